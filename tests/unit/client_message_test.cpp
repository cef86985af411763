#include "herald/ws/client_message.hpp"

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using herald::ClientMessage;
using herald::ClientMessageError;
using herald::parse_client_message;
using json = nlohmann::json;

ClientMessage ok(std::string_view text) {
    auto result = parse_client_message(text);
    if (const auto* error = std::get_if<ClientMessageError>(&result)) {
        ADD_FAILURE() << "unexpected error for " << text << ": " << error->message;
        return {};
    }
    return std::get<ClientMessage>(result);
}

std::string fail(std::string_view text) {
    auto result = parse_client_message(text);
    if (!std::holds_alternative<ClientMessageError>(result)) {
        ADD_FAILURE() << "expected an error for " << text;
        return {};
    }
    return std::get<ClientMessageError>(result).message;
}

json parse_json(const std::string& text) {
    const json value = json::parse(text, nullptr, false);
    EXPECT_FALSE(value.is_discarded()) << text;
    return value;
}

TEST(ClientMessage, Subscribe) {
    const ClientMessage m = ok(R"({"type":"subscribe","channel":"room:1"})");
    EXPECT_EQ(m.type, ClientMessage::Type::subscribe);
    EXPECT_EQ(m.channel, "room:1");
}

TEST(ClientMessage, Unsubscribe) {
    const ClientMessage m = ok(R"({"channel":"user:42","type":"unsubscribe"})");
    EXPECT_EQ(m.type, ClientMessage::Type::unsubscribe);
    EXPECT_EQ(m.channel, "user:42");
}

TEST(ClientMessage, Ping) {
    const ClientMessage m = ok(R"({"type":"ping"})");
    EXPECT_EQ(m.type, ClientMessage::Type::ping);
    EXPECT_EQ(m.channel, "");
    // Extra keys are tolerated so clients can add e.g. request ids.
    EXPECT_EQ(ok(R"({"type":"ping","channel":"x","ts":1})").channel, "");
}

TEST(ClientMessage, Errors) {
    EXPECT_EQ(fail(""), "invalid JSON");
    EXPECT_EQ(fail("{type:ping}"), "invalid JSON");
    EXPECT_EQ(fail("{\"type\":\"ping\"} x"), "invalid JSON");
    EXPECT_EQ(fail("{\"type\":\"\xff\"}"), "invalid JSON");
    EXPECT_EQ(fail("{\"type\":\"\xed\xa0\x80\"}"), "invalid JSON");
    EXPECT_EQ(fail(R"(["ping"])"), "message must be a JSON object");
    EXPECT_EQ(fail(R"("ping")"), "message must be a JSON object");
    EXPECT_EQ(fail(R"({})"), "type: required");
    EXPECT_EQ(fail(R"({"type":1})"), "type: must be a string");
    EXPECT_EQ(fail(R"({"type":"publish"})"), "channel: required"); // publish is known now
    EXPECT_EQ(fail(R"({"type":"Ping"})").rfind("unknown type 'Ping'", 0), 0u);
    EXPECT_EQ(fail(R"({"type":"subscribe"})"), "channel: required");
    EXPECT_EQ(fail(R"({"type":"unsubscribe"})"), "channel: required");
    EXPECT_EQ(fail(R"({"type":"subscribe","channel":null})"), "channel: must be a string");
    EXPECT_EQ(
        fail(R"({"type":"subscribe","channel":""})").rfind("channel: invalid channel name", 0), 0u);
    EXPECT_EQ(
        fail(R"({"type":"unsubscribe","channel":"a*"})").rfind("channel: invalid channel name", 0),
        0u);
}

TEST(ClientMessage, LongUnknownTypeIsShortened) {
    const std::string message = fail(R"({"type":")" + std::string(5000, 't') + R"("})");
    EXPECT_LT(message.size(), 200u);
}

TEST(ClientMessage, DeepNestingIsHarmless) {
    // Sized like the largest client message herald accepts (64 KiB).
    EXPECT_EQ(fail(std::string(1 << 16, '[')), "invalid JSON");
    const std::string nested = std::string(30000, '[') + std::string(30000, ']');
    // The parser and destructor are iterative, so deep but valid extras are fine.
    EXPECT_EQ(ok(R"({"type":"ping","x":)" + nested + "}").type, ClientMessage::Type::ping);
}

TEST(ClientMessage, ControlMessages) {
    EXPECT_EQ(herald::make_pong_message(), R"({"type":"pong"})");
    EXPECT_EQ(herald::make_error_message("bad"), R"({"type":"error","message":"bad"})");
    EXPECT_EQ(herald::make_error_message("bad", "slow_consumer"),
              R"({"type":"error","message":"bad","code":"slow_consumer"})");
    EXPECT_EQ(herald::make_subscribed_message("room:1"),
              R"({"type":"subscribed","channel":"room:1"})");
    EXPECT_EQ(herald::make_subscribed_message("room:1", "@beef-7"),
              R"({"type":"subscribed","channel":"room:1","position":"@beef-7"})");
    EXPECT_EQ(herald::make_unsubscribed_message("room:1"),
              R"({"type":"unsubscribed","channel":"room:1"})");
    EXPECT_EQ(herald::make_unsubscribed_message("room:1", "admin"),
              R"({"type":"unsubscribed","channel":"room:1","reason":"admin"})");
}

TEST(ClientMessage, ControlMessagesEscapeAndSurviveBadUtf8) {
    const json error = parse_json(herald::make_error_message("say \"hi\"\n\\", "c\"1"));
    EXPECT_EQ(error["message"], "say \"hi\"\n\\");
    EXPECT_EQ(error["code"], "c\"1");
    const json bad = parse_json(herald::make_error_message("bad \xff byte"));
    EXPECT_EQ(bad["message"], "bad \xef\xbf\xbd byte"); // U+FFFD
    EXPECT_EQ(parse_json(herald::make_subscribed_message("\xc3"))["type"], "subscribed");
}

TEST(ClientMessage, PublishIsValidatedLikeAPublishItem) {
    auto ok = herald::parse_client_message(
        R"({"type":"publish","channel":"room:1","event":"typing","data":{"u":1},"id":"p-1"})");
    ASSERT_TRUE(std::holds_alternative<herald::ClientMessage>(ok));
    const auto& m = std::get<herald::ClientMessage>(ok);
    EXPECT_EQ(m.type, herald::ClientMessage::Type::publish);
    EXPECT_EQ(m.channel, "room:1");
    ASSERT_TRUE(m.publish);
    EXPECT_EQ(m.publish->event, "typing");
    EXPECT_EQ(m.publish->data_json, R"({"u":1})");
    EXPECT_EQ(m.publish->id, "p-1");
    for (const char* bad :
         {R"({"type":"publish","channel":"room:1"})", R"({"type":"publish","data":1})",
          R"({"type":"publish","channel":"a b","data":1})",
          R"({"type":"publish","channel":"a","data":1,"event":"x y"})",
          R"({"type":"publish","channel":"a","data":1,"extra":1})"})
        EXPECT_TRUE(
            std::holds_alternative<herald::ClientMessageError>(herald::parse_client_message(bad)))
            << bad;
    std::string deep = R"({"type":"publish","channel":"a","data":)" + std::string(100, '[') +
                       std::string(100, ']') + "}";
    EXPECT_TRUE(
        std::holds_alternative<herald::ClientMessageError>(herald::parse_client_message(deep)));
    EXPECT_EQ(herald::make_published_message("room:1", "p-1"),
              R"({"type":"published","channel":"room:1","id":"p-1"})");
}

// The message is parsed once; the publish checks run on that parse and keep
// POST /publish's messages.
TEST(ClientMessage, PublishErrorsKeepTheirWording) {
    EXPECT_EQ(fail(R"({"type":"publish","data":1})"), "channel: required");
    EXPECT_EQ(fail(R"({"type":"publish","channel":"a","data":1,"extra":1})"),
              "extra: unknown field");
    EXPECT_EQ(fail(R"({"type":"publish","channel":"a","data":1,"id":""})"),
              "id: invalid id (1-200 printable ASCII characters, no spaces)");
    const std::string deep = R"({"type":"publish","channel":"a","data":)" + std::string(64, '[') +
                             std::string(64, ']') + "}";
    EXPECT_EQ(fail(deep), "data: JSON nested too deeply (max 64 levels)");
    // Deep extras are only a problem for a publish, whose data gets dumped.
    EXPECT_EQ(ok(R"({"type":"subscribe","channel":"a","x":)" + std::string(64, '[') +
                 std::string(64, ']') + "}")
                  .type,
              ClientMessage::Type::subscribe);
}

} // namespace

// Upstream send (README "Upstream messages").
namespace {

TEST(ClientMessage, Send) {
    auto m = ok(R"({"type":"send","channel":"room:1","data":{"text":"hi","n":[1,2]},"ref":"c1"})");
    EXPECT_EQ(m.type, ClientMessage::Type::send);
    EXPECT_EQ(m.channel, "room:1");
    EXPECT_EQ(m.data_json, R"({"n":[1,2],"text":"hi"})");
    EXPECT_EQ(m.ref, "c1");
    m = ok(R"({"type":"send","channel":"a","data":null})"); // any JSON, ref optional
    EXPECT_EQ(m.data_json, "null");
    EXPECT_EQ(m.ref, "");
}

TEST(ClientMessage, SendErrorsCarryTheRef) {
    auto error_of = [](std::string_view text) {
        return std::get<ClientMessageError>(parse_client_message(text));
    };
    auto e = error_of(R"({"type":"send","channel":"room:1","ref":"c2"})");
    EXPECT_EQ(e.message, "data: required");
    EXPECT_EQ(e.ref, "c2");
    e = error_of(R"({"type":"send","channel":"bad channel","data":1,"ref":"c3"})");
    EXPECT_NE(e.message.find("channel: invalid"), std::string::npos);
    EXPECT_EQ(e.ref, "c3");
    EXPECT_EQ(fail(R"({"type":"send","data":1})"), "channel: required, a string");
    EXPECT_EQ(fail(R"({"type":"send","channel":"a","data":1,"ref":7})"), "ref: must be a string");
    EXPECT_EQ(fail(R"({"type":"send","channel":"a","data":1,"ref":")" + std::string(65, 'r') +
                   "\"}"),
              "ref: at most 64 bytes");
    std::string deep(300, '[');
    deep += std::string(300, ']');
    EXPECT_NE(fail(R"({"type":"send","channel":"a","data":)" + deep + "}").find("data: "),
              std::string::npos);
}

TEST(ClientMessage, SendAnswers) {
    EXPECT_EQ(herald::make_sent_message("c1"), R"({"type":"sent","ref":"c1"})");
    EXPECT_EQ(herald::make_send_error_message("c1", "no", "forbidden"),
              R"({"type":"error","message":"no","code":"forbidden","ref":"c1","reason":"no"})");
}

} // namespace

TEST(ClientMessage, RefreshCarriesItsToken) {
    const auto m = ok(R"({"type":"refresh","token":"a.b.c"})");
    EXPECT_EQ(m.type, ClientMessage::Type::refresh);
    EXPECT_EQ(m.token, "a.b.c");
    EXPECT_EQ(fail(R"({"type":"refresh"})"), "token: required, a string");
    EXPECT_EQ(fail(R"({"type":"refresh","token":42})"), "token: required, a string");
}

TEST(ClientMessage, RefreshMessages) {
    EXPECT_EQ(herald::make_refresh_message(), R"({"type":"refresh"})");
    EXPECT_EQ(herald::make_refreshed_message(1800000000), R"({"type":"refreshed","exp":1800000000})");
}
