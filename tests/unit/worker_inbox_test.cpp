#include "herald/server/worker_inbox.hpp"

#include <gtest/gtest.h>

using namespace herald;

namespace {

WorkerInbox::Fanout fanout(const std::string& channel, std::uint32_t recipients,
                           const std::string& id = "") {
    auto event = std::make_shared<Event>();
    event->channel = channel;
    event->id = id;
    return {event, recipients};
}

// The items taken, as a readable trace: "e:<id>" per event, "shed:<channel>=<n>",
// "task:<what it wrote>".
std::vector<std::string> trace(std::deque<WorkerInbox::Item>& items) {
    std::vector<std::string> out;
    for (auto& item : items) {
        if (auto* batch = std::get_if<WorkerInbox::Batch>(&item)) {
            for (const auto& f : *batch)
                out.push_back("e:" + f.event->id);
        } else if (auto* shed = std::get_if<WorkerInbox::Shed>(&item)) {
            out.push_back("shed:" + shed->channel + "=" + std::to_string(shed->events));
        } else {
            std::get<WorkerInbox::Task>(item)();
        }
    }
    return out;
}

} // namespace

TEST(WorkerInbox, WakesTheWorkerOnceUntilItTakes) {
    WorkerInbox inbox(100, 100);
    EXPECT_TRUE(inbox.offer({fanout("a", 1, "1")}).wake);
    EXPECT_FALSE(inbox.offer({fanout("a", 1, "2")}).wake);
    EXPECT_FALSE(inbox.post([] {}));
    std::deque<WorkerInbox::Item> taken;
    inbox.take(taken);
    EXPECT_EQ(taken.size(), 3u);
    EXPECT_TRUE(inbox.post([] {}));
}

TEST(WorkerInbox, KeepsEventsAndTasksInTheHubsOrder) {
    // A subscribe answer must land between the events its replay covers and
    // the ones the session gets live.
    WorkerInbox inbox(100, 100);
    std::vector<std::string> ran;
    inbox.offer({fanout("a", 1, "1"), fanout("a", 1, "2")});
    inbox.post([&] { ran.push_back("subscribed"); });
    inbox.offer({fanout("a", 2, "3")});
    std::deque<WorkerInbox::Item> taken;
    inbox.take(taken);
    EXPECT_EQ(trace(taken), (std::vector<std::string>{"e:1", "e:2", "e:3"}));
    EXPECT_EQ(ran, std::vector<std::string>{"subscribed"});
    ASSERT_EQ(taken.size(), 3u);
    EXPECT_TRUE(std::holds_alternative<WorkerInbox::Task>(taken[1]));
    EXPECT_EQ(inbox.pending_deliveries(), 4u);
    EXPECT_EQ(inbox.pending_events(), 3u);
}

TEST(WorkerInbox, ShedsBeyondTheDeliveryBoundAndCountsPerChannelInPlace) {
    WorkerInbox inbox(10, 100);
    auto offered = inbox.offer({fanout("a", 4, "1"), fanout("a", 4, "2"), fanout("a", 4, "3"),
                                fanout("b", 1, "4"), fanout("a", 4, "5"), fanout("c", 5, "6")});
    // 4 + 4 fit; "3" would make 12; "4" fits (9); "5" and "6" do not.
    EXPECT_EQ(offered.shed, 3u);
    std::deque<WorkerInbox::Item> taken;
    inbox.take(taken);
    // The count of "3" sits where "3" would have been, before "4"; "5" and
    // "6" were shed after it, so theirs come last.
    EXPECT_EQ(trace(taken), (std::vector<std::string>{"e:1", "e:2", "shed:a=1", "e:4", "shed:a=1",
                                                      "shed:c=1"}));
    EXPECT_EQ(inbox.pending_deliveries(), 9u);
}

TEST(WorkerInbox, RoomComesBackAsTheWorkerReportsWhatItMade) {
    WorkerInbox inbox(10, 100);
    inbox.offer({fanout("a", 10, "1")});
    EXPECT_EQ(inbox.offer({fanout("a", 10, "2"), fanout("a", 10, "3")}).shed, 2u);
    std::deque<WorkerInbox::Item> taken;
    inbox.take(taken);
    // Taken is not done: a worker that takes and is still fanning out is
    // still behind.
    EXPECT_EQ(inbox.offer({fanout("a", 10, "4")}).shed, 1u);
    inbox.done(1, 10);
    EXPECT_EQ(inbox.offer({fanout("a", 10, "5")}).shed, 0u);
    inbox.take(taken);
    EXPECT_EQ(trace(taken), (std::vector<std::string>{"e:1", "shed:a=2", "shed:a=1", "e:5"}));
}

TEST(WorkerInbox, OneEventOfAnySizeGoesWhenNothingIsPending) {
    WorkerInbox inbox(10, 100);
    auto offered = inbox.offer({fanout("big", 50'000, "1"), fanout("big", 50'000, "2")});
    EXPECT_EQ(offered.shed, 1u);
    std::deque<WorkerInbox::Item> taken;
    inbox.take(taken);
    EXPECT_EQ(trace(taken), (std::vector<std::string>{"e:1", "shed:big=1"}));
}

TEST(WorkerInbox, BoundsEventsToo) {
    // Many small channels: the event count bounds memory.
    WorkerInbox inbox(1'000'000, 2);
    auto offered = inbox.offer({fanout("u:1", 1, "1"), fanout("u:2", 1, "2"), fanout("u:3", 1, "3"),
                                fanout("u:3", 1, "4")});
    EXPECT_EQ(offered.shed, 2u);
    std::deque<WorkerInbox::Item> taken;
    inbox.take(taken);
    EXPECT_EQ(trace(taken), (std::vector<std::string>{"e:1", "e:2", "shed:u:3=2"}));
}

TEST(WorkerInbox, ATaskClosesTheShedCountsBeforeIt) {
    WorkerInbox inbox(1, 100);
    inbox.offer({fanout("a", 1, "1"), fanout("a", 1, "2")});
    inbox.post([] {});
    inbox.offer({fanout("a", 1, "3")});
    std::deque<WorkerInbox::Item> taken;
    inbox.take(taken);
    ASSERT_EQ(taken.size(), 4u);
    EXPECT_TRUE(std::holds_alternative<WorkerInbox::Batch>(taken[0]));
    EXPECT_TRUE(std::holds_alternative<WorkerInbox::Shed>(taken[1]));
    EXPECT_TRUE(std::holds_alternative<WorkerInbox::Task>(taken[2]));
    EXPECT_EQ(std::get<WorkerInbox::Shed>(taken[3]).events, 1u);
}
