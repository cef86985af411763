#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/pubsub_message.hpp"

#include <gtest/gtest.h>

using namespace herald::redis;

namespace {

Reply decode(std::string_view bytes) {
    ReplyReader reader;
    reader.feed(bytes.data(), bytes.size());
    auto r = reader.next();
    EXPECT_TRUE(r) << reader.error();
    return r ? std::move(*r) : Reply{};
}

// Builds the array Redis would send, using the request encoder (same shape).
PubSubEvent classify(std::initializer_list<std::string_view> parts) {
    return classify_pubsub(decode(format_command(parts)));
}

TEST(PubSubMessage, Message) {
    const std::string payload("{\"a\":1}\r\n\0", 10);
    auto event = classify({"message", "room:1", payload});
    const auto* m = std::get_if<Message>(&event);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->channel, "room:1");
    EXPECT_EQ(m->payload, payload);
}

TEST(PubSubMessage, SubscribeAndUnsubscribeAcks) {
    auto sub = classify_pubsub(decode("*3\r\n$9\r\nsubscribe\r\n$2\r\nc1\r\n:1\r\n"));
    const auto* a = std::get_if<SubscribeAck>(&sub);
    ASSERT_TRUE(a);
    EXPECT_EQ(a->kind, SubscribeAck::Kind::subscribe);
    EXPECT_EQ(a->channel, "c1");
    EXPECT_EQ(a->count, 1);

    auto unsub = classify_pubsub(decode("*3\r\n$11\r\nunsubscribe\r\n$2\r\nc1\r\n:0\r\n"));
    const auto* u = std::get_if<SubscribeAck>(&unsub);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->kind, SubscribeAck::Kind::unsubscribe);
    EXPECT_EQ(u->channel, "c1");
    EXPECT_EQ(u->count, 0);
}

TEST(PubSubMessage, Pong) {
    EXPECT_TRUE(std::holds_alternative<Pong>(classify({"pong", ""})));
    EXPECT_TRUE(std::holds_alternative<Pong>(classify({"pong", "hello"})));
    EXPECT_TRUE(std::holds_alternative<Pong>(classify_pubsub(decode("+PONG\r\n"))));
}

TEST(PubSubMessage, ErrorReply) {
    auto event = classify_pubsub(decode("-NOPERM no permissions to access a channel\r\n"));
    const auto* e = std::get_if<ErrorReply>(&event);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->message, "NOPERM no permissions to access a channel");
}

TEST(PubSubMessage, OtherShapes) {
    const auto other = [](const PubSubEvent& e) { return std::holds_alternative<Other>(e); };
    EXPECT_TRUE(other(classify({"pmessage", "room:*", "room:1", "x"})));
    EXPECT_TRUE(other(classify({"message", "room:1"})));
    EXPECT_TRUE(other(classify({"message", "a", "b", "c"})));
    EXPECT_TRUE(other(classify({"subscribe", "c1", "1"}))); // count must be an integer
    EXPECT_TRUE(other(classify_pubsub(decode("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"))));
    EXPECT_TRUE(other(classify_pubsub(decode("*3\r\n$7\r\nmessage\r\n:1\r\n$1\r\nx\r\n"))));
    EXPECT_TRUE(other(classify_pubsub(decode("+OK\r\n"))));
    EXPECT_TRUE(other(classify_pubsub(decode(":3\r\n"))));
    EXPECT_TRUE(other(classify_pubsub(decode("*0\r\n"))));
    EXPECT_TRUE(other(classify_pubsub(decode("$-1\r\n"))));
}

} // namespace
