// Channel namespaces through the real binary: per-namespace history limits
// decide what a resume replays, and a bad [[namespace]] table stops herald at
// start-up with a message naming it.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace herald_test;

namespace {

const char* kConfig = R"(
history_size = 10
[[namespace]]
pattern = "short:*"
history_size = 1
[[namespace]]
pattern = "none:*"
history_size = 0
)";

} // namespace

TEST(Namespaces, EachNamespaceKeepsItsOwnHistory) {
    HeraldProcess herald({"--config", write_temp_file("namespaces-history.toml", kConfig)});
    publish_event(herald.port(), "long", 1, "", "l-1");
    publish_event(herald.port(), "long", 2, "", "l-2");
    publish_event(herald.port(), "short:a", 3, "", "s-1");
    publish_event(herald.port(), "short:a", 4, "", "s-2"); // evicts s-1: one event kept

    // The global history_size (10) still holds l-1 and l-2.
    SseClient from_long(herald.port(), events_target({"long"}), {{"Last-Event-ID", "l-1"}});
    auto replay = from_long.next_event();
    ASSERT_TRUE(replay);
    EXPECT_EQ(replay->id, "l-2");

    SseClient from_short(herald.port(), events_target({"short:a"}), {{"Last-Event-ID", "s-1"}});
    auto reset = from_short.next_event();
    ASSERT_TRUE(reset);
    EXPECT_EQ(reset->type, "reset") << "s-1 was evicted by the namespace's history_size";

    // A stream that includes a channel without history cannot be resumed.
    SseClient with_none(herald.port(), events_target({"long", "none:x"}),
                        {{"Last-Event-ID", "l-1"}});
    auto none_reset = with_none.next_event();
    ASSERT_TRUE(none_reset);
    EXPECT_EQ(none_reset->type, "reset");
    EXPECT_NE(none_reset->data.find("no history is kept for none:x"), std::string::npos)
        << none_reset->data;
}

TEST(Namespaces, BadNamespaceStopsHeraldNamingIt) {
    const auto path = write_temp_file(
        "namespaces-bad.toml", "[[namespace]]\npattern = \"room:*\"\nhistory_ttl = \"soon\"\n");
    const auto log = path + ".log";
    ChildProcess child({{HERALD_BINARY, "--config", path}, log});
    auto exit = child.wait_exit(kTimeout);
    ASSERT_TRUE(exit && exit->exited);
    EXPECT_EQ(exit->code, 2);
    std::ifstream in(log);
    const std::string output{std::istreambuf_iterator<char>(in), {}};
    EXPECT_NE(output.find(":3: namespace[0].history_ttl: invalid duration \"soon\""),
              std::string::npos)
        << output;
}
