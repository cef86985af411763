// stamp_publication: the last step of every way in before an event is
// published, where a namespace's ephemeral_events and the id rule apply.
#include "herald/broker/broker.hpp"

#include <gtest/gtest.h>

using namespace herald;

namespace {

Config config_with_typing() {
    return parse_config_text("[[namespace]]\npattern = \"room:*\"\nephemeral_events = "
                             "[\"typing\", \"cursor\"]\n");
}

Publication publication(std::string channel, std::string name, std::string id = "",
                        bool ephemeral = false) {
    return {std::move(channel), std::move(name), std::move(id), "{}", "{}", ephemeral, ""};
}

} // namespace

TEST(StampPublication, EventsNamedByTheNamespaceAreEphemeralAndLoseTheirId) {
    const auto config = config_with_typing();
    auto typing = publication("room:1", "typing", "given");
    stamp_publication(config, typing);
    EXPECT_TRUE(typing.ephemeral);
    EXPECT_EQ(typing.id, "");

    auto chat = publication("room:1", "chat");
    stamp_publication(config, chat);
    EXPECT_FALSE(chat.ephemeral);
    EXPECT_FALSE(chat.id.empty()) << "a stored event gets a generated id";

    auto elsewhere = publication("user:1", "typing", "kept");
    stamp_publication(config, elsewhere);
    EXPECT_FALSE(elsewhere.ephemeral) << "only in the namespace that names it";
    EXPECT_EQ(elsewhere.id, "kept");
}

TEST(StampPublication, APublisherCanMarkAnyEventEphemeral) {
    auto p = publication("user:1", "progress", "p-1", true);
    stamp_publication(Config{}, p);
    EXPECT_TRUE(p.ephemeral);
    EXPECT_EQ(p.id, "");
}

TEST(StampPublication, EphemeralEventsAreEncodedWithoutAnId) {
    auto p = publication("room:1", "typing");
    p.from = "42";
    stamp_publication(config_with_typing(), p);
    auto event = make_event(std::move(p));
    EXPECT_TRUE(event->ephemeral);
    EXPECT_EQ(event->sse, "event: typing\ndata: {\"from\":\"42\",\"data\":{}}\n\n");
    EXPECT_EQ(event->from, "42");
}
