#include "herald/poll/poll_cursor.hpp"

#include <gtest/gtest.h>

using namespace herald;

TEST(PollPosition, FormatsAndParsesBack) {
    const auto text = format_position("0123abcd", 42);
    EXPECT_EQ(text, "@0123abcd-42");
    auto p = parse_position(text);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->boot, "0123abcd");
    EXPECT_EQ(p->seq, 42u);
    EXPECT_EQ(format_position("ff", 0), "@ff-0");
    EXPECT_TRUE(parse_position("@ff-0"));
    EXPECT_EQ(parse_position("@ff-18446744073709551615")->seq, 18446744073709551615u);
}

TEST(PollPosition, AnythingElseIsAnEventId) {
    for (const char* id : {"", "@", "@-1", "@ab-", "@ab", "ab-1", "@AB-1", "@ab-01", "@ab-+1",
                           "@ab--1", "@ab-1x", "@ab-18446744073709551616", "@g0-1", "x@ab-1",
                           "@ab-1 ", "@a b-1"})
        EXPECT_FALSE(parse_position(id)) << id;
}

TEST(PollCursor, WithoutACursorAndNoEventItIsThePosition) {
    PollCursor cursor(std::nullopt);
    EXPECT_FALSE(cursor.given());
    EXPECT_EQ(cursor.value(), "");
    cursor.set_position("beef", 7, false);
    EXPECT_EQ(cursor.value(), "@beef-7");
}

TEST(PollCursor, AGivenCursorIsKeptWhenNothingComes) {
    PollCursor cursor(std::string("e-5"));
    EXPECT_TRUE(cursor.given());
    cursor.set_position("beef", 9, false);
    EXPECT_EQ(cursor.value(), "e-5");
}

TEST(PollCursor, AResetReplacesTheGivenCursorWithThePosition) {
    PollCursor cursor(std::string("gone"));
    cursor.set_position("beef", 9, true);
    EXPECT_EQ(cursor.value(), "@beef-9");
}

TEST(PollCursor, TheLastEventWithAnIdWins) {
    PollCursor cursor(std::string("e-1"));
    cursor.set_position("beef", 3, false);
    cursor.advance("e-2");
    cursor.advance("e-3");
    EXPECT_EQ(cursor.value(), "e-3");
    // A later set_position (it never comes later, but) cannot undo an event.
    cursor.set_position("beef", 3, true);
    EXPECT_EQ(cursor.value(), "e-3");
}

TEST(PollCursor, EphemeralEventsDoNotMoveIt) {
    PollCursor given(std::string("e-1"));
    given.set_position("beef", 3, false);
    given.advance("");
    EXPECT_EQ(given.value(), "e-1");
    given.advance("e-2");
    given.advance("");
    EXPECT_EQ(given.value(), "e-2");

    PollCursor none(std::nullopt);
    none.set_position("beef", 3, false);
    none.advance("");
    EXPECT_EQ(none.value(), "@beef-3");
}
