#include "herald/poll/poll_answer.hpp"

#include "herald/wire/ws_frame.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace herald;
using json = nlohmann::json;

namespace {
std::string wire(const PollAnswer& answer) {
    std::string out;
    for (const auto& b : answer.buffers())
        out.append(static_cast<const char*>(b.data()), b.size());
    return out;
}
EventPtr event(const std::string& channel, const std::string& id, const std::string& data_json) {
    return make_event(channel, "message", id, data_json, data_json);
}
} // namespace

TEST(WsFramePayload, IsThePayloadForEveryLengthForm) {
    for (std::size_t n : {0u, 1u, 125u, 126u, 65535u, 65536u, 70000u}) {
        const std::string payload(n, 'x');
        const auto frame = ws::encode_frame(ws::Opcode::text, payload);
        EXPECT_EQ(ws::frame_payload(frame), payload) << n;
    }
    EXPECT_EQ(ws::frame_payload(""), "");
    EXPECT_EQ(ws::frame_payload(std::string("\x81\x7e\x01", 3)), "");
}

TEST(PollAnswer, BodyIsTheEventsAndTheCursor) {
    PollAnswer answer({event("a", "1", R"({"k":[1,2]})"), event("b", "2", R"("s")")}, "2", false,
                      {}, {});
    auto body = json::parse(answer.body());
    ASSERT_EQ(body["events"].size(), 2u);
    EXPECT_EQ(body["events"][0],
              json::parse(R"({"channel":"a","event":"message","id":"1","data":{"k":[1,2]}})"));
    EXPECT_EQ(body["events"][1]["data"], "s");
    EXPECT_EQ(body["lastEventId"], "2");
    EXPECT_FALSE(body.contains("reset"));
    EXPECT_EQ(answer.body().size(), answer.body_size());
}

TEST(PollAnswer, EmptyAndResetAnswers) {
    PollAnswer empty({}, "@ab-3", false, {}, {});
    EXPECT_EQ(empty.body(), R"({"events":[],"lastEventId":"@ab-3"})");
    PollAnswer reset({}, "@ab-3", true, "unknown \"id\"", {});
    auto body = json::parse(reset.body());
    EXPECT_EQ(body["reset"], true);
    EXPECT_EQ(body["reason"], "unknown \"id\"");
    EXPECT_EQ(body["lastEventId"], "@ab-3");
}

TEST(PollAnswer, DisconnectAnswerEndsTheSession) {
    // The Admin API's disconnect: in the form of a reset, and it wins over one.
    PollAnswer answer({}, "@ab-3", true, "gap", {false, {}}, "logout");
    EXPECT_EQ(answer.body(),
              R"({"events":[],"lastEventId":"@ab-3","disconnect":true,"reason":"logout"})");
    EXPECT_NE(wire(answer).find("Connection: close\r\n"), std::string::npos);
}

TEST(PollAnswer, HeadCarriesLengthConnectionAndCors) {
    PollAnswer answer({event("a", "1", "1")}, "1", false, {}, {false, "https://app.example"});
    const auto text = wire(answer);
    const auto split = text.find("\r\n\r\n");
    ASSERT_NE(split, std::string::npos);
    const auto head = text.substr(0, split + 4);
    EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
    EXPECT_NE(head.find("Content-Type: application/json\r\n"), std::string::npos);
    EXPECT_NE(head.find("Content-Length: " + std::to_string(answer.body_size()) + "\r\n"),
              std::string::npos);
    EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos);
    EXPECT_NE(head.find("Access-Control-Allow-Origin: https://app.example\r\n"),
              std::string::npos);
    EXPECT_EQ(text.substr(split + 4), answer.body());

    PollAnswer kept({}, "1", false, {}, {true, ""});
    EXPECT_NE(wire(kept).find("Connection: keep-alive\r\n"), std::string::npos);
    EXPECT_EQ(wire(kept).find("Access-Control"), std::string::npos);
}

TEST(PollAnswer, SharesTheEventsEncodingInsteadOfCopying) {
    auto e = event("a", "1", "1");
    PollAnswer answer({e}, "1", false, {}, {});
    const auto payload = ws::frame_payload(e->ws_frame);
    bool found = false;
    for (const auto& b : answer.buffers())
        found = found || b.data() == payload.data();
    EXPECT_TRUE(found);
    EXPECT_EQ(e.use_count(), 2); // the answer keeps the event alive
}
