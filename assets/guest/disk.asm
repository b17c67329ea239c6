; The disk image the guest kernel reads (guest/disk.img, 4 KiB: eight 512-byte sectors).
; Under trap, bt, hw and emulate the kernel reads sector 1 through the ATA disk's ports; under
; pv it asks dom0's blkback over a blkfront ring. Both print the text found there.
BITS 32
sector0:    db "VirtLab disk: sector 0 is not read by the kernel", 0
            times 512 - ($ - $$) db 0
sector1:    db "a sector read from the VirtLab disk (LBA 1)", 0
            times 1024 - ($ - $$) db 0
            times 4096 - ($ - $$) db 0
