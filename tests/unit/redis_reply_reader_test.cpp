#include "herald/broker/redis/command.hpp"
#include "herald/broker/redis/reply_reader.hpp"

#include <gtest/gtest.h>

#include <random>

using namespace herald::redis;
using T = Reply::Type;

namespace {

Reply str(std::string s) {
    return {T::string, std::move(s), 0, {}};
}
Reply arr(std::vector<Reply> v) {
    return {T::array, {}, 0, std::move(v)};
}
Reply num(long long n) {
    return {T::integer, {}, n, {}};
}

std::vector<Reply> drain(ReplyReader& reader) {
    std::vector<Reply> out;
    while (auto r = reader.next()) {
        out.push_back(std::move(*r));
    }
    return out;
}

std::vector<Reply> feed_all(std::string_view bytes, ReaderLimits limits = {}) {
    ReplyReader reader(limits);
    reader.feed(bytes.data(), bytes.size());
    auto out = drain(reader);
    EXPECT_FALSE(reader.failed()) << reader.error();
    return out;
}

// Feeds in chunks of `step` bytes, draining after every feed like the I/O
// layer does.
std::vector<Reply> feed_in_steps(std::string_view bytes, std::size_t step) {
    ReplyReader reader;
    std::vector<Reply> out;
    for (std::size_t i = 0; i < bytes.size(); i += step) {
        const auto chunk = bytes.substr(i, step);
        reader.feed(chunk.data(), chunk.size());
        for (auto& r : drain(reader)) {
            out.push_back(std::move(r));
        }
    }
    EXPECT_FALSE(reader.failed()) << reader.error();
    return out;
}

std::string fail_reason(std::string_view bytes, ReaderLimits limits = {}) {
    ReplyReader reader(limits);
    reader.feed(bytes.data(), bytes.size());
    drain(reader);
    EXPECT_TRUE(reader.failed()) << "accepted: " << bytes.substr(0, 40);
    return reader.error();
}

const std::string mixed_stream =
    "+OK\r\n-ERR wrong type\r\n:42\r\n:-7\r\n$5\r\nhello\r\n$0\r\n\r\n"
    "$-1\r\n*-1\r\n*0\r\n*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$3\r\nabc\r\n"
    "*2\r\n*1\r\n:1\r\n$-1\r\n";

const std::vector<Reply> mixed_expected = {
    {T::status, "OK", 0, {}},
    {T::error, "ERR wrong type", 0, {}},
    num(42),
    num(-7),
    str("hello"),
    str(""),
    {},
    {},
    arr({}),
    arr({str("message"), str("ch"), str("abc")}),
    arr({arr({num(1)}), {}}),
};

TEST(ReplyReader, DecodesEveryTypeFromOneFeed) {
    EXPECT_EQ(feed_all(mixed_stream), mixed_expected);
}

TEST(ReplyReader, DecodesTheSameOneByteAtATime) {
    EXPECT_EQ(feed_in_steps(mixed_stream, 1), mixed_expected);
    EXPECT_EQ(feed_in_steps(mixed_stream, 2), mixed_expected);
    EXPECT_EQ(feed_in_steps(mixed_stream, 7), mixed_expected);
}

TEST(ReplyReader, WaitsForTheRestOfAReply) {
    ReplyReader reader;
    reader.feed("$5\r\nhel", 7);
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.failed());
    reader.feed("lo\r\n:1", 6);
    EXPECT_EQ(reader.next(), str("hello"));
    EXPECT_FALSE(reader.next());
    reader.feed("\r\n", 2);
    EXPECT_EQ(reader.next(), num(1));
    EXPECT_FALSE(reader.next());
}

TEST(ReplyReader, BulkStringsAreBinarySafe) {
    const std::string payload("a\r\nb\0c$3\r\n", 11);
    const auto bytes = "$" + std::to_string(payload.size()) + "\r\n" + payload + "\r\n";
    EXPECT_EQ(feed_all(bytes), std::vector<Reply>{str(payload)});
}

TEST(ReplyReader, LargeBulkStringsSplitAnywhere) {
    std::mt19937 rng(7);
    for (std::size_t size : {16u * 1024 - 1, 16u * 1024 + 1, 100u * 1000, 3u << 20}) {
        std::string payload(size, '\0');
        for (auto& c : payload) {
            c = static_cast<char>(rng());
        }
        // A pub/sub message carrying it, twice, with a status in between.
        const auto msg = format_command({"message", "room:1", payload});
        const auto stream = msg + "+PONG\r\n" + msg;
        const std::vector<Reply> expected = {arr({str("message"), str("room:1"), str(payload)}),
                                             {T::status, "PONG", 0, {}},
                                             arr({str("message"), str("room:1"), str(payload)})};
        ReplyReader reader;
        std::vector<Reply> got;
        for (std::size_t i = 0; i < stream.size();) {
            const std::size_t n = std::min<std::size_t>(stream.size() - i, 1 + rng() % 40000);
            reader.feed(stream.data() + i, n);
            i += n;
            for (auto& r : drain(reader)) {
                got.push_back(std::move(r));
            }
        }
        ASSERT_FALSE(reader.failed()) << reader.error();
        EXPECT_TRUE(got == expected) << "size " << size;
    }
}

TEST(ReplyReader, ManySmallRepliesInOneFeed) {
    std::string stream;
    for (int i = 0; i < 10000; ++i) {
        stream += ":" + std::to_string(i) + "\r\n";
    }
    const auto replies = feed_all(stream);
    ASSERT_EQ(replies.size(), 10000u);
    EXPECT_EQ(replies.back(), num(9999));
}

TEST(ReplyReader, ProtocolErrorIsSticky) {
    ReplyReader reader;
    reader.feed(":1\r\n?oops\r\n:2\r\n", 16);
    EXPECT_EQ(reader.next(), num(1));
    EXPECT_FALSE(reader.next());
    EXPECT_TRUE(reader.failed());
    EXPECT_NE(reader.error().find("Protocol error"), std::string::npos) << reader.error();
    reader.feed(":3\r\n", 4);
    EXPECT_FALSE(reader.next());
    EXPECT_TRUE(reader.failed());
}

TEST(ReplyReader, RejectsMalformedInput) {
    EXPECT_FALSE(fail_reason(":abc\r\n").empty());
    EXPECT_FALSE(fail_reason(":99999999999999999999999\r\n").empty());
    EXPECT_FALSE(fail_reason("$-5\r\n").empty());
    EXPECT_FALSE(fail_reason("*-2\r\n").empty());
    EXPECT_FALSE(fail_reason("*2147483649\r\n:1\r\n").empty());
    EXPECT_FALSE(fail_reason(">3\r\n").empty()); // RESP3 push: not spoken here
}

std::string nested(int depth) {
    std::string s;
    for (int i = 0; i < depth; ++i) {
        s += "*1\r\n";
    }
    return s + ":1\r\n";
}

// hiredis 0.14 keeps a fixed stack of 9 tasks: 8 nested arrays plus a leaf.
TEST(ReplyReader, DeepNestingIsAnErrorNotACrash) {
    auto replies = feed_all(nested(8));
    ASSERT_EQ(replies.size(), 1u);
    const Reply* r = &replies[0];
    for (int i = 0; i < 8; ++i) {
        ASSERT_EQ(r->type, T::array);
        r = &r->elements.at(0);
    }
    EXPECT_EQ(*r, num(1));

    EXPECT_NE(fail_reason(nested(9)).find("nested"), std::string::npos);
    EXPECT_FALSE(fail_reason(nested(100000)).empty());
}

TEST(ReplyReader, HugeArrayHeaderIsRefusedBeforeAllocating) {
    EXPECT_NE(fail_reason("*2000000000\r\n").find("too many elements"), std::string::npos);
    const ReaderLimits small{.max_elements = 3};
    EXPECT_EQ(feed_all("*3\r\n:1\r\n:2\r\n:3\r\n", small).size(), 1u);
    EXPECT_NE(fail_reason("*4\r\n", small).find("too many elements"), std::string::npos);
    EXPECT_NE(fail_reason("*1\r\n*4\r\n", small).find("too many elements"), std::string::npos);
}

TEST(ReplyReader, BufferedInputIsBounded) {
    const ReaderLimits small{.max_buffered = 1000};
    ReplyReader reader(small);
    const std::string head = "$5000\r\n";
    reader.feed(head.data(), head.size());
    const std::string chunk(600, 'x');
    reader.feed(chunk.data(), chunk.size());
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.failed());
    reader.feed(chunk.data(), chunk.size());
    EXPECT_TRUE(reader.failed());
    EXPECT_NE(reader.error().find("too large"), std::string::npos);

    // Consumed input does not count: many small replies within the limit.
    ReplyReader ok(small);
    for (int i = 0; i < 1000; ++i) {
        ok.feed("+OK\r\n", 5);
        ASSERT_TRUE(ok.next());
    }
    EXPECT_FALSE(ok.failed());
}

TEST(ReplyReader, MovesKeepPartialState) {
    ReplyReader a;
    a.feed("*2\r\n$3\r\nfoo", 11);
    EXPECT_FALSE(a.next());
    ReplyReader b(std::move(a));
    EXPECT_TRUE(a.failed()); // NOLINT(bugprone-use-after-move): documented state
    b.feed("\r\n:5\r\n", 6);
    EXPECT_EQ(b.next(), arr({str("foo"), num(5)}));

    ReplyReader c;
    c.feed(":", 1);
    c = std::move(b);
    c.feed(":6\r\n", 4);
    EXPECT_EQ(c.next(), num(6));
    EXPECT_FALSE(c.failed());
}

TEST(ReplyReader, EmptyFeedIsHarmless) {
    ReplyReader reader;
    reader.feed(nullptr, 0);
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.failed());
}

} // namespace
