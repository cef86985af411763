#include "herald/wire/sse_encoder.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using herald::sse::encode_comment;
using herald::sse::encode_event;
using herald::sse::encode_retry;

struct ParsedEvent {
    std::string type;
    std::string data;
    std::string last_event_id;
};

// A small EventSource parser following WHATWG HTML 9.2.6 ("Interpreting an
// event stream"), so tests check what a browser would see, not byte patterns.
std::vector<ParsedEvent> parse_stream(const std::string& stream) {
    std::vector<ParsedEvent> events;
    std::string data, type, last_id;
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        if (stream[i] != '\r' && stream[i] != '\n') {
            continue;
        }
        lines.push_back(stream.substr(start, i - start));
        if (stream[i] == '\r' && i + 1 < stream.size() && stream[i + 1] == '\n') {
            ++i;
        }
        start = i + 1;
    }
    // Bytes after the last line break are an incomplete line and are dropped.
    for (const std::string& line : lines) {
        if (line.empty()) {
            if (!data.empty()) {
                data.pop_back(); // the LF appended after the last data line
                events.push_back({type.empty() ? "message" : type, data, last_id});
            }
            data.clear();
            type.clear();
            continue;
        }
        if (line[0] == ':') {
            continue;
        }
        const std::size_t colon = line.find(':');
        std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') {
            value.erase(0, 1);
        }
        if (field == "data") {
            data += value + "\n";
        } else if (field == "event") {
            type = value;
        } else if (field == "id" && value.find('\0') == std::string::npos) {
            last_id = value;
        }
    }
    return events;
}

// The parser turns CRLF and CR into LF; that is the only change a round trip makes.
std::string normalize_newlines(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += '\n';
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
        } else {
            out += text[i];
        }
    }
    return out;
}

TEST(SseEncoder, SingleLineWithIdAndName) {
    EXPECT_EQ(encode_event("42", "notification", "hello"),
              "id: 42\nevent: notification\ndata: hello\n\n");
}

TEST(SseEncoder, OmitsMessageNameAndEmptyId) {
    EXPECT_EQ(encode_event("", "message", "x"), "data: x\n\n");
    EXPECT_EQ(encode_event("", "", "x"), "data: x\n\n");
    EXPECT_EQ(encode_event("7", "message", "x"), "id: 7\ndata: x\n\n");
    EXPECT_EQ(encode_event("", "messages", "x"), "event: messages\ndata: x\n\n");
}

TEST(SseEncoder, SplitsOnEveryLineBreakKind) {
    EXPECT_EQ(encode_event("", "", "a\nb"), "data: a\ndata: b\n\n");
    EXPECT_EQ(encode_event("", "", "a\r\nb"), "data: a\ndata: b\n\n");
    EXPECT_EQ(encode_event("", "", "a\rb"), "data: a\ndata: b\n\n");
    EXPECT_EQ(encode_event("", "", "a\r\rb"), "data: a\ndata: \ndata: b\n\n");
    EXPECT_EQ(encode_event("", "", "a\n\r\nb"), "data: a\ndata: \ndata: b\n\n");
}

TEST(SseEncoder, TrailingNewlineGivesEmptyLastLine) {
    EXPECT_EQ(encode_event("", "", "a\n"), "data: a\ndata: \n\n");
    EXPECT_EQ(encode_event("", "", "a\r\n"), "data: a\ndata: \n\n");
    EXPECT_EQ(encode_event("", "", "\n"), "data: \ndata: \n\n");
}

TEST(SseEncoder, EmptyDataIsOneEmptyLine) {
    EXPECT_EQ(encode_event("", "", ""), "data: \n\n");
    const auto events = parse_stream(encode_event("", "", ""));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "");
}

TEST(SseEncoder, AlwaysOneSpaceAfterColon) {
    EXPECT_EQ(encode_event("", "", " x"), "data:  x\n\n");
    EXPECT_EQ(encode_event("", "", ":x"), "data: :x\n\n");
}

TEST(SseEncoder, CommentAndRetry) {
    EXPECT_EQ(encode_comment("heartbeat"), ": heartbeat\n\n");
    EXPECT_EQ(encode_comment(""), ": \n\n");
    EXPECT_EQ(encode_comment("a\nb"), ": a\n: b\n\n");
    EXPECT_EQ(encode_retry(3000), "retry: 3000\n\n");
    EXPECT_EQ(encode_retry(0), "retry: 0\n\n");
    EXPECT_EQ(encode_retry(-5), "retry: 0\n\n");
}

TEST(SseEncoder, CommentsAreInvisibleToTheParser) {
    const std::string stream =
        encode_comment("x\ndata: injected") + encode_retry(10) + encode_event("1", "", "real");
    const auto events = parse_stream(stream);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "real");
}

TEST(SseEncoder, RoundTripsTrickyStrings) {
    const std::vector<std::string> samples = {
        "",
        "plain",
        "\n",
        "\n\n",
        "a\n",
        "a\n\nb",
        "\nleading newline",
        " leading space",
        "  two leading spaces",
        "\n two",
        ":starts with colon",
        "data: fake\n\nevent: evil\nid: 666\n",
        "key: value: more",
        "\xc3\xbc \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\x89",
        "tab\there",
        std::string("nul\0inside", 10),
        R"({"json":"with \"quotes\" and \\n"})",
        "a\r\nb",
        "a\rb",
        "\r",
        "\r\n",
        "\r\r\n\n",
        "trailing\r",
        "mixed\r\n\r\n\n\rend",
    };
    for (const std::string& data : samples) {
        const auto events = parse_stream(encode_event("id-1", "update", data));
        ASSERT_EQ(events.size(), 1u) << testing::PrintToString(data);
        EXPECT_EQ(events[0].data, normalize_newlines(data)) << testing::PrintToString(data);
        EXPECT_EQ(events[0].type, "update");
        EXPECT_EQ(events[0].last_event_id, "id-1");
    }
}

TEST(SseEncoder, ConsecutiveEventsStaySeparate) {
    const std::string stream =
        encode_event("1", "", "one\n") + encode_event("", "x", "") + encode_event("3", "", "three");
    const auto events = parse_stream(stream);
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].data, "one\n");
    EXPECT_EQ(events[0].type, "message");
    EXPECT_EQ(events[1].data, "");
    EXPECT_EQ(events[1].type, "x");
    EXPECT_EQ(events[1].last_event_id, "1"); // an omitted id keeps the previous one
    EXPECT_EQ(events[2].last_event_id, "3");
}

} // namespace
