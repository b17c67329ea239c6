// The ATA disk's PIO subset, driven port by port as a polling driver drives it.
#include <gtest/gtest.h>

#include "trapsim/ata_disk.h"

namespace vl::vm {
namespace {

std::vector<uint8_t> twoSectors() {
    std::vector<uint8_t> image(1024, 0);
    for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<uint8_t>(i / 512 * 0x10 + i % 7);
    return image;
}

void readSectors(AtaDisk& disk, uint32_t lba, uint8_t count, uint8_t drive = 0xE0) {
    disk.out(0x1F6, 1, drive | ((lba >> 24) & 0x0F));
    disk.out(0x1F2, 1, count);
    disk.out(0x1F3, 1, lba & 0xFF);
    disk.out(0x1F4, 1, (lba >> 8) & 0xFF);
    disk.out(0x1F5, 1, (lba >> 16) & 0xFF);
    disk.out(0x1F7, 1, AtaDisk::kCommandReadSectors);
}

TEST(AtaDisk, ReadSectorsDeliversTheSectorWordByWordThenDropsDrq) {
    AtaDisk disk(twoSectors());
    EXPECT_EQ(disk.sectors(), 2u);
    EXPECT_EQ(disk.in(0x1F7, 1), 0x50u) << "DRDY and DSC: ready, no command yet";
    readSectors(disk, 1, 1);
    EXPECT_EQ(disk.in(0x1F7, 1), 0x58u) << "DRQ: the data is ready";
    std::vector<uint8_t> got;
    for (int i = 0; i < 256; ++i) {
        const uint32_t word = disk.in(0x1F0, 2);
        got.push_back(static_cast<uint8_t>(word));
        got.push_back(static_cast<uint8_t>(word >> 8));
    }
    const std::vector<uint8_t> image = twoSectors();
    EXPECT_EQ(got, std::vector<uint8_t>(image.begin() + 512, image.end()));
    EXPECT_EQ(disk.in(0x1F7, 1), 0x50u) << "DRQ drops after the last word";
    EXPECT_EQ(disk.sectorsRead(), 1u);
}

TEST(AtaDisk, ASectorPastTheEndIsIdNotFound) {
    AtaDisk disk(twoSectors());
    readSectors(disk, 1, 2);  // sectors 1 and 2: the disk has two
    EXPECT_EQ(disk.in(0x1F7, 1), 0x41u) << "DRDY and ERR";
    EXPECT_EQ(disk.in(0x1F1, 1), AtaDisk::kErrorIdNotFound);
    EXPECT_EQ(disk.sectorsRead(), 0u);
}

TEST(AtaDisk, OtherCommandsAndTheSlaveDriveAreAborted) {
    AtaDisk disk(twoSectors());
    disk.out(0x1F7, 1, 0xEC);  // IDENTIFY DEVICE: not in this subset
    EXPECT_EQ(disk.in(0x1F7, 1) & AtaDisk::kStatusErr, AtaDisk::kStatusErr);
    EXPECT_EQ(disk.in(0x1F1, 1), AtaDisk::kErrorAbort);
    readSectors(disk, 0, 1, 0xF0);  // the slave: absent
    EXPECT_EQ(disk.in(0x1F1, 1), AtaDisk::kErrorAbort);
}

}  // namespace
}  // namespace vl::vm
