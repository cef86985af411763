// The presence registry: tabs, joins and leaves, nodes merged and expired,
// info, and the JSON it answers with.
#include "herald/hub/presence.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <random>
#include <set>

using herald::Presence;
using json = nlohmann::json;
using Kind = Presence::Change::Kind;

namespace {

// "join room:1 42 {...}", to compare changes in one line.
std::string str(const std::optional<Presence::Change>& change) {
    if (!change)
        return "none";
    return std::string(change->event()) + " " + change->channel + " " + change->user +
           (change->info.empty() ? "" : " " + change->info);
}

std::vector<std::string> strs(const std::vector<Presence::Change>& changes) {
    std::vector<std::string> out;
    for (const auto& c : changes)
        out.push_back(str(c));
    return out;
}

// "user:connections" for each member, in order.
std::vector<std::string> who(const Presence& p, const std::string& channel) {
    std::vector<std::string> out;
    for (const auto& m : p.members(channel))
        out.push_back(m.user + ":" + std::to_string(m.connections));
    return out;
}

using Strings = std::vector<std::string>;

} // namespace

TEST(Presence, SeveralTabsAreOneMemberJoiningOnceAndLeavingOnce) {
    Presence p;
    EXPECT_EQ(str(p.add("room:1", "42", R"({"name":"Ann"})")), R"(join room:1 42 {"name":"Ann"})");
    EXPECT_EQ(str(p.add("room:1", "42", R"({"name":"Ann"})")), "none");
    EXPECT_EQ(str(p.add("room:1", "42", R"({"name":"Ann"})")), "none");
    EXPECT_EQ(who(p, "room:1"), Strings{"42:3"});
    EXPECT_EQ(p.local_connections("room:1", "42"), 3u);
    EXPECT_EQ(p.channels(), 1u);
    EXPECT_EQ(p.member_count(), 1u);

    EXPECT_EQ(str(p.remove("room:1", "42")), "none");
    EXPECT_EQ(str(p.remove("room:1", "42")), "none");
    EXPECT_EQ(who(p, "room:1"), Strings{"42:1"});
    EXPECT_EQ(str(p.remove("room:1", "42")), R"(leave room:1 42 {"name":"Ann"})");
    EXPECT_TRUE(p.members("room:1").empty());
    EXPECT_EQ(p.channels(), 0u);
    EXPECT_EQ(p.member_count(), 0u);
    // Back again: a new join.
    EXPECT_EQ(str(p.add("room:1", "42", "")), "join room:1 42");
}

TEST(Presence, ChannelsAndUsersAreCountedApart) {
    Presence p;
    EXPECT_TRUE(p.add("room:1", "42", ""));
    EXPECT_TRUE(p.add("room:2", "42", ""));
    EXPECT_TRUE(p.add("room:1", "7", ""));
    EXPECT_FALSE(p.add("room:1", "7", ""));
    EXPECT_EQ(p.channels(), 2u);
    EXPECT_EQ(p.member_count(), 3u);                       // 42 twice: once per channel
    EXPECT_EQ(who(p, "room:1"), (Strings{"42:1", "7:2"})); // sorted by user
    EXPECT_EQ(who(p, "room:2"), Strings{"42:1"});
    EXPECT_EQ(p.remove("room:2", "42")->kind, Kind::leave);
    EXPECT_EQ(who(p, "room:1"), (Strings{"42:1", "7:2"}));
    EXPECT_EQ(p.channels(), 1u);
    EXPECT_EQ(p.member_count(), 2u);
}

TEST(Presence, RemovingWhatWasNeverAddedChangesNothing) {
    Presence p;
    EXPECT_FALSE(p.remove("room:1", "42"));
    p.add("room:1", "42", "");
    EXPECT_FALSE(p.remove("room:1", "7"));
    EXPECT_FALSE(p.remove("room:2", "42"));
    EXPECT_EQ(who(p, "room:1"), Strings{"42:1"});
    EXPECT_EQ(p.member_count(), 1u);
    EXPECT_TRUE(p.remove("room:1", "42"));
    EXPECT_FALSE(p.remove("room:1", "42")); // not below zero
    EXPECT_EQ(p.member_count(), 0u);
}

TEST(Presence, TwoNodesMergeIntoOneMember) {
    Presence p("a");
    EXPECT_EQ(str(p.add("room:1", "42", "")), "join room:1 42");
    // Node b has two tabs of the same user: no second join.
    EXPECT_EQ(str(p.merge("b", "room:1", "42", 2, "")), "none");
    EXPECT_EQ(who(p, "room:1"), Strings{"42:3"});
    EXPECT_EQ(p.local_connections("room:1", "42"), 1u);
    EXPECT_EQ(p.member_count(), 1u);
    // Our last tab goes, b still has the user: no leave.
    EXPECT_EQ(str(p.remove("room:1", "42")), "none");
    EXPECT_EQ(who(p, "room:1"), Strings{"42:2"});
    // Counts are absolute: the same delta twice is harmless.
    EXPECT_EQ(str(p.merge("b", "room:1", "42", 1, "")), "none");
    EXPECT_EQ(str(p.merge("b", "room:1", "42", 1, "")), "none");
    EXPECT_EQ(who(p, "room:1"), Strings{"42:1"});
    EXPECT_EQ(str(p.merge("b", "room:1", "42", 0, "")), "leave room:1 42");
    EXPECT_EQ(str(p.merge("b", "room:1", "42", 0, "")), "none");
    EXPECT_EQ(p.channels(), 0u);

    // A remote user first, then a local tab of the same user.
    EXPECT_EQ(str(p.merge("c", "room:1", "7", 1, "")), "join room:1 7");
    EXPECT_EQ(str(p.add("room:1", "7", "")), "none");
    EXPECT_EQ(str(p.merge("c", "room:1", "7", 0, "")), "none");
    EXPECT_EQ(str(p.remove("room:1", "7")), "leave room:1 7");
}

TEST(Presence, TheLocalNodeIsNotChangedFromOutside) {
    Presence p("a");
    p.add("room:1", "42", "");
    EXPECT_FALSE(p.merge("a", "room:1", "42", 0, ""));
    EXPECT_FALSE(p.merge("a", "room:1", "7", 3, ""));
    EXPECT_TRUE(p.drop_node("a").empty());
    EXPECT_EQ(who(p, "room:1"), Strings{"42:1"});
    EXPECT_FALSE(p.merge("never-seen", "room:1", "42", 0, ""));
    EXPECT_TRUE(p.drop_node("never-seen").empty());
}

TEST(Presence, AnExpiredNodeLeavesOnlyUsersWithoutAnotherNode) {
    Presence p("a");
    p.add("room:1", "shared", R"({"n":"local"})");
    p.merge("b", "room:1", "shared", 1, R"({"n":"b"})");
    p.merge("b", "room:1", "only-b", 2, R"({"n":"b2"})");
    p.merge("b", "room:2", "only-b", 1, "");
    p.merge("c", "room:2", "on-c-too", 1, "");
    p.merge("b", "room:2", "on-c-too", 1, "");
    EXPECT_EQ(p.member_count(), 4u);

    EXPECT_EQ(strs(p.drop_node("b")),
              (Strings{R"(leave room:1 only-b {"n":"b2"})", "leave room:2 only-b"}));
    EXPECT_EQ(who(p, "room:1"), Strings{"shared:1"});
    EXPECT_EQ(who(p, "room:2"), Strings{"on-c-too:1"});
    EXPECT_EQ(p.member_count(), 2u);
    // The user b joined last falls back to the info of the node left.
    EXPECT_EQ(p.members("room:1")[0].info, R"({"n":"local"})");
    // Dropped once: a second expiry of the same node emits nothing.
    EXPECT_TRUE(p.drop_node("b").empty());

    EXPECT_EQ(strs(p.drop_node("c")), Strings{"leave room:2 on-c-too"});
    EXPECT_EQ(p.channels(), 1u);
    EXPECT_EQ(p.member_count(), 1u);
}

TEST(Presence, ANodeWhoseUsersAllLeftHasNothingToDrop) {
    Presence p("a");
    p.merge("b", "room:1", "1", 2, "");
    p.merge("b", "room:2", "1", 1, "");
    p.add("room:2", "2", "");
    EXPECT_EQ(str(p.merge("b", "room:1", "1", 0, "")), "leave room:1 1");
    EXPECT_EQ(str(p.merge("b", "room:2", "1", 0, "")), "leave room:2 1");
    EXPECT_TRUE(p.drop_node("b").empty());
    EXPECT_EQ(who(p, "room:2"), Strings{"2:1"});
    EXPECT_EQ(p.channels(), 1u);
}

TEST(Presence, ADroppedNodesSlotIsReusedWithoutItsOldEntries) {
    Presence p("a");
    p.merge("b", "room:1", "1", 1, "");
    p.drop_node("b");
    EXPECT_EQ(str(p.merge("d", "room:1", "2", 1, "")), "join room:1 2"); // takes b's slot
    EXPECT_EQ(who(p, "room:1"), Strings{"2:1"});
    EXPECT_EQ(str(p.merge("b", "room:1", "1", 1, "")), "join room:1 1"); // b again, anew
    EXPECT_EQ(strs(p.drop_node("d")), Strings{"leave room:1 2"});
    EXPECT_EQ(who(p, "room:1"), Strings{"1:1"});
}

TEST(Presence, InfoComesFromTheLatestJoin) {
    Presence p("a");
    p.add("room:1", "42", R"({"v":1})");
    p.add("room:1", "42", R"({"v":2})");
    EXPECT_EQ(p.members("room:1")[0].info, R"({"v":2})");
    p.remove("room:1", "42"); // fewer tabs: not a join, the info stays
    EXPECT_EQ(p.members("room:1")[0].info, R"({"v":2})");
    // A remote join is the latest; a remote decrease is not a join.
    p.merge("b", "room:1", "42", 2, R"({"v":3})");
    EXPECT_EQ(p.members("room:1")[0].info, R"({"v":3})");
    p.add("room:1", "42", R"({"v":4})");
    EXPECT_EQ(p.members("room:1")[0].info, R"({"v":4})");
    p.merge("b", "room:1", "42", 1, R"({"v":5})");
    EXPECT_EQ(p.members("room:1")[0].info, R"({"v":4})");
    // The latest join had no info: the member has none.
    p.add("room:1", "42", "");
    EXPECT_EQ(p.members("room:1")[0].info, "");
    EXPECT_EQ(p.members("room:1")[0].connections, 4u);
    // The leave carries the info the member had last.
    EXPECT_EQ(str(p.merge("b", "room:1", "42", 0, "")), "none");
    p.add("room:1", "42", R"({"v":6})");
    for (int tab = 0; tab < 3; ++tab)
        EXPECT_EQ(str(p.remove("room:1", "42")), "none");
    EXPECT_EQ(str(p.remove("room:1", "42")), R"(leave room:1 42 {"v":6})");
}

TEST(Presence, AnswerIsTheDocumentedJson) {
    Presence p;
    EXPECT_EQ(p.answer("room:1"), R"({"type":"presence","channel":"room:1","members":[]})");
    p.add("room:1", "42", R"({"name":"Zoé","tags":[1,2]})");
    p.add("room:1", "42", R"({"name":"Zoé","tags":[1,2]})");
    p.add("room:1", "7", "");
    EXPECT_EQ(p.answer("room:1"),
              R"({"type":"presence","channel":"room:1","members":[)"
              R"({"user":"42","connections":2,"info":{"name":"Zoé","tags":[1,2]}},)"
              R"({"user":"7","connections":1}]})");
    const auto doc = json::parse(p.answer("room:1"));
    EXPECT_EQ(doc["type"], "presence");
    EXPECT_EQ(doc["channel"], "room:1");
    ASSERT_EQ(doc["members"].size(), 2u);
    EXPECT_EQ(doc["members"][0]["user"], "42");
    EXPECT_EQ(doc["members"][0]["connections"], 2);
    EXPECT_EQ(doc["members"][0]["info"], json::parse(R"({"name":"Zoé","tags":[1,2]})"));
    EXPECT_FALSE(doc["members"][1].contains("info"));

    // Strings are JSON-quoted, whatever they hold.
    p.add("a\"b\\c", "x\"\n", "");
    const auto odd = json::parse(p.answer("a\"b\\c"));
    EXPECT_EQ(odd["channel"], "a\"b\\c");
    EXPECT_EQ(odd["members"][0]["user"], "x\"\n");
}

TEST(Presence, EventDataIsUserAndInfo) {
    EXPECT_EQ(Presence::event_data("42", R"({"name":"Ann"})"),
              R"({"user":"42","info":{"name":"Ann"}})");
    EXPECT_EQ(Presence::event_data("42", ""), R"({"user":"42"})");
    EXPECT_EQ(json::parse(Presence::event_data("a\"", R"({"k":[null]})")),
              json::parse(R"({"user":"a\"","info":{"k":[null]}})"));
    Presence p;
    const auto join = p.add("room:1", "42", "");
    const auto leave = p.remove("room:1", "42");
    EXPECT_STREQ(join->event(), "join");
    EXPECT_STREQ(leave->event(), "leave");
}

// Random adds, removes, merges and expiries on three nodes against a plain
// model (counts per node per user): every join and leave, and every count,
// must match what the model says.
TEST(Presence, MatchesASimpleModelUnderRandomChanges) {
    Presence p("n0");
    std::map<std::pair<std::string, std::string>, std::map<int, std::uint64_t>> model;
    const auto total = [&](const std::pair<std::string, std::string>& key) {
        std::uint64_t sum = 0;
        for (const auto& [node, count] : model[key])
            sum += count;
        return sum;
    };
    std::mt19937 rng(11);
    for (int step = 0; step < 20000; ++step) {
        const std::string channel = "c" + std::to_string(rng() % 3);
        const std::string user = "u" + std::to_string(rng() % 5);
        const int node = static_cast<int>(rng() % 3);
        const std::string node_name = "n" + std::to_string(node);
        const auto key = std::make_pair(channel, user);
        const auto before = total(key);
        const auto op = rng() % 20;
        if (op == 0 && node != 0) {
            std::set<std::pair<std::string, std::string>> expected;
            for (auto& [k, nodes] : model) {
                const bool had = !nodes.empty() && total(k) > 0;
                nodes.erase(node);
                if (had && total(k) == 0)
                    expected.insert(k);
            }
            std::set<std::pair<std::string, std::string>> got;
            for (const auto& c : p.drop_node(node_name)) {
                EXPECT_EQ(c.kind, Kind::leave);
                got.insert({c.channel, c.user});
            }
            ASSERT_EQ(got, expected) << "step " << step;
            continue;
        }
        std::optional<Presence::Change> change;
        if (node == 0 && op < 10) {
            change = p.add(channel, user, "");
            ++model[key][0];
        } else if (node == 0) {
            change = p.remove(channel, user);
            if (model[key][0] > 0)
                --model[key][0];
        } else {
            const std::uint64_t count = rng() % 3;
            change = p.merge(node_name, channel, user, count, "");
            model[key][node] = count;
        }
        for (auto it = model[key].begin(); it != model[key].end();)
            it = it->second == 0 ? model[key].erase(it) : std::next(it);
        const auto after = total(key);
        const auto expected = before == 0 && after > 0   ? "join " + channel + " " + user
                              : before > 0 && after == 0 ? "leave " + channel + " " + user
                                                         : std::string("none");
        ASSERT_EQ(str(change), expected) << "step " << step;
        ASSERT_EQ(p.local_connections(channel, user), model[key].contains(0) ? model[key][0] : 0);
    }
    std::size_t members = 0;
    std::set<std::string> channels;
    for (auto& [key, nodes] : model)
        if (total(key) > 0) {
            ++members;
            channels.insert(key.first);
        }
    EXPECT_EQ(p.member_count(), members);
    EXPECT_EQ(p.channels(), channels.size());
    for (const auto& channel : channels)
        for (const auto& m : p.members(channel))
            EXPECT_EQ(m.connections, total({channel, m.user})) << channel << " " << m.user;
}

TEST(PresenceRemote, ASnapshotReplacesTheOtherNodesEntriesJoinsFirst) {
    Presence p("me");
    p.add("room:1", "42", "");
    p.merge("n2", "room:1", "7", 1, "");
    p.merge("n2", "room:1", "8", 1, "");
    const std::vector<Presence::Entry> snapshot{
        {"n3", "room:1", "8", 2, R"({"a":1})"}, // 8 moved from n2 to n3: no event
        {"n3", "room:1", "9", 1, ""},           // new
        {"me", "room:1", "42", 5, ""},          // our own: we know better
        {"n3", "room:2", "9", 1, ""},           // another channel's: not this one
    };
    EXPECT_EQ(strs(p.replace_remote("room:1", snapshot)),
              (std::vector<std::string>{"join room:1 9", "leave room:1 7"}));
    EXPECT_EQ(p.local_connections("room:1", "42"), 1u);
    auto members = p.members("room:1");
    ASSERT_EQ(members.size(), 3u);
    EXPECT_EQ(members[1].user, "8");
    EXPECT_EQ(members[1].connections, 2u);
    EXPECT_EQ(members[1].info, R"({"a":1})");
    EXPECT_TRUE(p.elsewhere("room:1", "8"));
    EXPECT_FALSE(p.elsewhere("room:1", "42"));

    p.forget_remote("room:1");
    EXPECT_EQ(p.members("room:1").size(), 1u);
    EXPECT_EQ(p.member_count(), 1u);
}

TEST(PresenceRemote, LocalEntriesAreWhatThisNodeWrites) {
    Presence p("me");
    p.add("room:1", "42", R"({"n":1})");
    p.add("room:1", "42", R"({"n":1})");
    p.add("room:2", "7", "");
    p.merge("n2", "room:1", "9", 1, "");
    const std::vector<Presence::Entry> room1{{"me", "room:1", "42", 2, R"({"n":1})"}};
    EXPECT_EQ(p.local_entries("room:1"), room1);
    EXPECT_EQ(p.local_entries().size(), 2u);
    auto channels = p.local_channels();
    std::sort(channels.begin(), channels.end());
    EXPECT_EQ(channels, (std::vector<std::string>{"room:1", "room:2"}));
    EXPECT_EQ(p.local_entry("room:1", "42"), room1[0]);
    EXPECT_EQ(p.local_entry("room:1", "9").connections, 0u) << "another node's";
    p.remove("room:2", "7");
    EXPECT_EQ(p.local_channels(), std::vector<std::string>{"room:1"});
}
