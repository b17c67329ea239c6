// An ATA disk on the primary channel (ports 0x1F0-0x1F7), the PIO subset a polling driver
// uses: LBA28 READ SECTORS (0x20), the status and error registers, and 16-bit reads of the
// data port, as in the ATA/ATAPI-6 standard (T13/1410D) §8.27 and OSDev's "ATA PIO Mode".
// No interrupts (the driver polls BSY/DRQ), no writes, no IDENTIFY; any other command is
// aborted (status ERR, error ABRT) as a drive does with one it does not implement.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "trapsim/io_bus.h"

namespace vl::vm {

class AtaDisk : public IoDevice {
public:
    static constexpr uint16_t kBasePort = 0x1F0;
    static constexpr uint32_t kSectorSize = 512;
    enum Register : uint16_t { kData = 0, kError = 1, kSectorCount = 2, kLbaLow = 3, kLbaMid = 4, kLbaHigh = 5,
                               kDriveHead = 6, kStatusCommand = 7 };
    static constexpr uint8_t kStatusErr = 0x01, kStatusDrq = 0x08, kStatusDsc = 0x10, kStatusDrdy = 0x40;
    static constexpr uint8_t kErrorAbort = 0x04, kErrorIdNotFound = 0x10;
    static constexpr uint8_t kCommandReadSectors = 0x20;

    // The disk's contents, a whole number of sectors (a shorter tail is zero-padded).
    explicit AtaDisk(std::vector<uint8_t> image);

    std::string name() const override { return "ATA disk (primary master)"; }
    uint32_t in(uint16_t port, int size) override;
    void out(uint16_t port, int size, uint32_t value) override;

    uint32_t sectors() const { return static_cast<uint32_t>(image_.size() / kSectorSize); }
    const std::vector<uint8_t>& image() const { return image_; }
    uint64_t sectorsRead() const { return sectors_read_.load(std::memory_order_relaxed); }

private:
    void command(uint8_t command);

    std::vector<uint8_t> image_;
    uint8_t error_ = 0, count_ = 0, lba_low_ = 0, lba_mid_ = 0, lba_high_ = 0, drive_head_ = 0xE0;
    uint8_t status_ = kStatusDrdy | kStatusDsc;
    std::vector<uint8_t> transfer_;  // the sectors a READ SECTORS produced
    size_t transfer_at_ = 0;
    std::atomic<uint64_t> sectors_read_{0};  // read by other threads while the guest runs
};

// The disk image the build generates (assets/guest/disk.asm -> guest/disk.img), or `path`.
// Throws vl::Error(Input) for a missing or empty file.
std::vector<uint8_t> loadDiskImage(const std::string& path);

}  // namespace vl::vm
