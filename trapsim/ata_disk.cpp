#include "trapsim/ata_disk.h"

#include <fstream>
#include <iterator>

#include "core/error.h"

namespace vl::vm {

AtaDisk::AtaDisk(std::vector<uint8_t> image) : image_(std::move(image)) {
    image_.resize((image_.size() + kSectorSize - 1) / kSectorSize * kSectorSize, 0);
}

uint32_t AtaDisk::in(uint16_t port, int size) {
    switch (port - kBasePort) {
    case kData: {
        if (!(status_ & kStatusDrq)) return size == 1 ? 0xFF : 0xFFFF;
        uint32_t value = 0;
        const int bytes = size == 1 ? 1 : 2;  // the data port is 16 bits wide
        for (int i = 0; i < bytes && transfer_at_ < transfer_.size(); ++i)
            value |= static_cast<uint32_t>(transfer_[transfer_at_++]) << (8 * i);
        if (transfer_at_ >= transfer_.size()) status_ = kStatusDrdy | kStatusDsc;  // DRQ drops after the last word
        return value;
    }
    case kError: return error_;
    case kSectorCount: return count_;
    case kLbaLow: return lba_low_;
    case kLbaMid: return lba_mid_;
    case kLbaHigh: return lba_high_;
    case kDriveHead: return drive_head_;
    case kStatusCommand: return status_;
    default: return 0xFF;
    }
}

void AtaDisk::out(uint16_t port, int /*size*/, uint32_t value) {
    const uint8_t byte = static_cast<uint8_t>(value);
    switch (port - kBasePort) {
    case kError: break;  // features: nothing to set in this subset
    case kSectorCount: count_ = byte; break;
    case kLbaLow: lba_low_ = byte; break;
    case kLbaMid: lba_mid_ = byte; break;
    case kLbaHigh: lba_high_ = byte; break;
    case kDriveHead: drive_head_ = byte; break;
    case kStatusCommand: command(byte); break;
    default: break;
    }
}

void AtaDisk::command(uint8_t command) {
    transfer_.clear();
    transfer_at_ = 0;
    error_ = 0;
    const bool slave = drive_head_ & 0x10;
    const bool lba = drive_head_ & 0x40;
    if (command != kCommandReadSectors || slave || !lba) {
        error_ = kErrorAbort;  // no slave drive, no CHS addressing, no other command
        status_ = kStatusDrdy | kStatusErr;
        return;
    }
    const uint32_t first = static_cast<uint32_t>(lba_low_) | (static_cast<uint32_t>(lba_mid_) << 8) |
                           (static_cast<uint32_t>(lba_high_) << 16) | (static_cast<uint32_t>(drive_head_ & 0x0F) << 24);
    const uint32_t count = count_ == 0 ? 256 : count_;  // LBA28: a count of 0 means 256 sectors
    if (first >= sectors() || count > sectors() - first) {
        error_ = kErrorIdNotFound;
        status_ = kStatusDrdy | kStatusErr;
        return;
    }
    transfer_.assign(image_.begin() + first * kSectorSize, image_.begin() + (first + count) * kSectorSize);
    sectors_read_.fetch_add(count, std::memory_order_relaxed);
    status_ = kStatusDrdy | kStatusDsc | kStatusDrq;  // data ready at once: BSY is never seen
}

std::vector<uint8_t> loadDiskImage(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throwInput(path + ": cannot open the disk image");
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty()) throwInput(path + ": the disk image is empty");
    return bytes;
}

}  // namespace vl::vm
