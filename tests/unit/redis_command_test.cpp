#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/reply_reader.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;

namespace {

TEST(RedisCommand, EncodesAsArrayOfBulkStrings) {
    EXPECT_EQ(format_command({"PING"}), "*1\r\n$4\r\nPING\r\n");
    EXPECT_EQ(format_command({"PUBLISH", "room:1", "hi there"}),
              "*3\r\n$7\r\nPUBLISH\r\n$6\r\nroom:1\r\n$8\r\nhi there\r\n");
}

TEST(RedisCommand, IsBinarySafe) {
    const std::string payload("a b\r\n\0z", 7);
    EXPECT_EQ(format_command({"SET", "k", payload}),
              std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$7\r\na b\r\n\0z\r\n", 33));
    EXPECT_EQ(format_command({"ECHO", ""}), "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
    EXPECT_EQ(format_command({"ECHO", std::string_view()}), "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
}

TEST(RedisCommand, VectorOverloadsMatch) {
    const std::vector<std::string> argv = {"SUBSCRIBE", "a", "b:c"};
    const auto expected = format_command({"SUBSCRIBE", "a", "b:c"});
    EXPECT_EQ(format_command(argv), expected);
    EXPECT_EQ(format_command("SUBSCRIBE", std::vector<std::string>{"a", "b:c"}), expected);
    EXPECT_EQ(format_command("PING", std::vector<std::string>{}), format_command({"PING"}));
}

TEST(RedisCommand, NothingToSendGivesEmpty) {
    EXPECT_EQ(format_command(std::vector<std::string>{}), "");
    EXPECT_EQ(format_command(std::initializer_list<std::string_view>{}), "");
}

TEST(RedisCommand, RoundTripsThroughTheReader) {
    // A RESP request is a valid RESP reply, so the reader decodes it back.
    std::string big(70000, 'x');
    big[123] = '\0';
    const auto bytes = format_command({"PUBLISH", "ch", big});
    ReplyReader reader;
    reader.feed(bytes.data(), bytes.size());
    auto reply = reader.next();
    ASSERT_TRUE(reply);
    ASSERT_EQ(reply->elements.size(), 3u);
    EXPECT_EQ(reply->elements[2].str, big);
}

} // namespace
