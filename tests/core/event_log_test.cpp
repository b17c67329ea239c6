#include <gtest/gtest.h>

#include <thread>

#include "core/event_log.h"

namespace {

TEST(EventLog, NumbersEventsInOrderAndDrainsInBatches) {
    vl::EventLog log;
    log.append("trap", "cli at 0x1000");
    log.append("trap", "sti at 0x1002");
    log.append("syscall", "write(1, ..., 5)");

    auto first = log.drain(2);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].seq, 1u);
    EXPECT_EQ(first[1].seq, 2u);
    EXPECT_EQ(first[1].detail, "sti at 0x1002");
    EXPECT_LE(first[0].time_ns, first[1].time_ns);

    auto rest = log.drain();
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].seq, 3u);
    EXPECT_EQ(rest[0].kind, "syscall");
    EXPECT_TRUE(log.drain().empty());
    EXPECT_EQ(log.appended(), 3u);
}

TEST(EventLog, DropsTheOldestWhenTheReaderFallsBehind) {
    vl::EventLog log(4);
    for (int i = 0; i < 10; ++i) log.append("tick", std::to_string(i));
    auto events = log.drain();
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events.front().detail, "6");
    EXPECT_EQ(events.back().seq, 10u);
    EXPECT_EQ(log.dropped(), 6u);
}

TEST(EventLog, AWriterAndAReaderOnTwoThreadsLoseNothingWithinCapacity) {
    vl::EventLog log(1'000'000);
    constexpr int kEvents = 100'000;
    std::thread writer([&] {
        for (int i = 0; i < kEvents; ++i) log.append("e", "");
    });
    uint64_t seen = 0, last_seq = 0;
    while (seen < kEvents) {
        for (const auto& e : log.drain(1000)) {
            ASSERT_EQ(e.seq, last_seq + 1);  // in order, no gaps
            last_seq = e.seq;
            ++seen;
        }
    }
    writer.join();
    EXPECT_EQ(seen, static_cast<uint64_t>(kEvents));
    EXPECT_EQ(log.dropped(), 0u);
}

}  // namespace
