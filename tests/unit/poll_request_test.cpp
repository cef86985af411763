#include "herald/poll/poll_request.hpp"

#include <gtest/gtest.h>

using namespace herald;
using namespace std::chrono_literals;

namespace {
PollParams ok(std::string_view target, Millis max = 30s) {
    auto parsed = parse_poll_target(target, 4, max);
    if (auto* e = std::get_if<ParamError>(&parsed))
        ADD_FAILURE() << e->field << ": " << e->message;
    return std::get<PollParams>(std::move(parsed));
}
ParamError error(std::string_view target, Millis max = 30s) {
    auto parsed = parse_poll_target(target, 4, max);
    EXPECT_TRUE(std::holds_alternative<ParamError>(parsed)) << target;
    return std::holds_alternative<ParamError>(parsed) ? std::get<ParamError>(parsed)
                                                      : ParamError{};
}
} // namespace

TEST(PollRequest, TakesTheStreamParameters) {
    auto p = ok("/poll?channel=a&channel=b&channel=a&lastEventId=x%2D1&token=t");
    EXPECT_EQ(p.stream.path, "/poll");
    EXPECT_EQ(p.stream.channels, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(p.stream.last_event_id, "x-1");
    EXPECT_EQ(p.stream.token, "t");
}

TEST(PollRequest, TimeoutDefaultsTo25sWithinTheMaximum) {
    EXPECT_EQ(ok("/poll?channel=a").timeout, 25s);
    EXPECT_EQ(ok("/poll?channel=a", 10s).timeout, 10s);
}

TEST(PollRequest, TimeoutTakesDurationsOrSecondsAndIsClamped) {
    EXPECT_EQ(ok("/poll?channel=a&timeout=5s").timeout, 5s);
    EXPECT_EQ(ok("/poll?channel=a&timeout=7").timeout, 7s);
    EXPECT_EQ(ok("/poll?channel=a&timeout=250ms").timeout, 250ms);
    EXPECT_EQ(ok("/poll?channel=a&timeout=0").timeout, 0s);
    EXPECT_EQ(ok("/poll?channel=a&timeout=1h").timeout, 30s);
    EXPECT_EQ(ok("/poll?channel=a&timeout=1s&timeout=2s").timeout, 2s);
}

TEST(PollRequest, ABadTimeoutNamesTheField) {
    for (const char* bad : {"/poll?channel=a&timeout=", "/poll?channel=a&timeout=soon",
                            "/poll?channel=a&timeout=-1", "/poll?channel=a&timeout=5x",
                            "/poll?channel=a&timeout=99999999999999999999",
                            "/poll?channel=a&timeout=1.5s"}) {
        auto e = error(bad);
        EXPECT_EQ(e.field, "timeout") << bad;
        EXPECT_FALSE(e.message.empty());
    }
}

TEST(PollRequest, ChannelErrorsComeFirstAndAMissingChannelIsLeftToTheGate) {
    EXPECT_EQ(error("/poll?channel=bad%20name&timeout=x").field, "channel");
    EXPECT_EQ(error("/poll?channel=a&channel=b&channel=c&channel=d&channel=e").field, "channel");
    EXPECT_TRUE(ok("/poll?timeout=1s").stream.channels.empty());
}
