// Namespace matching, and the [[namespace]] tables of a config file.
#include "herald/config/namespaces.hpp"

#include "config_keys.hpp"
#include "herald/auth/channel_pattern.hpp"
#include "herald/config/config.hpp"
#include "herald/hub/channel.hpp"

#include <algorithm>
#include <set>

namespace herald {

const Namespace* find_namespace(const std::vector<Namespace>& namespaces,
                                std::string_view channel) {
    for (const auto& ns : namespaces)
        if (auth::pattern_matches(ns.pattern, channel))
            return &ns;
    return nullptr;
}

ChannelOptions channel_options(const Config& config, std::string_view channel) {
    ChannelOptions options{config.history_size, config.history_ttl};
    if (const auto* ns = find_namespace(config.namespaces, channel)) {
        options.history_size = ns->history_size.value_or(options.history_size);
        options.history_ttl = ns->history_ttl.value_or(options.history_ttl);
        options.presence = ns->presence;
        options.join_leave = ns->join_leave;

        options.slow_consumer = ns->slow_consumer.value_or(options.slow_consumer);
    }
    return options;
}

bool is_ephemeral_event(const Config& config, std::string_view channel, std::string_view name) {
    const auto* ns = find_namespace(config.namespaces, channel);
    return ns && std::find(ns->ephemeral_events.begin(), ns->ephemeral_events.end(), name) !=
                     ns->ephemeral_events.end();
}

namespace config_keys {
namespace {

// One option of a [[namespace]] table: how it is read and written back.
struct Option {
    const char* name;
    void (*read)(Namespace&, const toml::node&);
    void (*write)(const Namespace&, toml::table&);
};

bool boolean(const toml::node& node) {
    if (!node.is_boolean())
        fail("expected a boolean, got " + describe(node));
    return *node.value<bool>();
}

std::int64_t integer(const toml::node& node) {
    if (auto v = node.value_exact<std::int64_t>())
        return *v;
    fail("expected an integer, got " + describe(node));
}

const Option options[] = {
    {"pattern",
     [](Namespace& ns, const toml::node& n) {
         if (!n.is_string())
             fail("expected a string, got " + describe(n));
         ns.pattern = *n.value<std::string>();
         if (!auth::is_valid_pattern(ns.pattern))
             fail("invalid channel pattern " + quote(ns.pattern) +
                  " (expected a channel name, a prefix ending in ':' followed by '*', or '*')");
     },
     [](const Namespace& ns, toml::table& t) { t.insert("pattern", ns.pattern); }},
    {"history_size",
     [](Namespace& ns, const toml::node& n) {
         const auto v = integer(n);
         if (v < 0 || v > 100'000)
             fail("must be from 0 to 100000, got " + std::to_string(v));
         ns.history_size = static_cast<std::size_t>(v);
     },
     [](const Namespace& ns, toml::table& t) {
         if (ns.history_size)
             t.insert("history_size", static_cast<std::int64_t>(*ns.history_size));
     }},
    {"history_ttl",
     [](Namespace& ns, const toml::node& n) {
         const auto v = n.is_string() ? parse_duration(*n.value<std::string>())
                        : n.is_integer() ? parse_duration(std::to_string(integer(n)))
                                         : (fail("expected an integer or a string, got " +
                                                 describe(n)),
                                            Millis{});
         if (v < Millis{1})
             fail("must be at least 1ms, got " + format_duration(v));
         ns.history_ttl = v;
     },
     [](const Namespace& ns, toml::table& t) {
         if (ns.history_ttl)
             t.insert("history_ttl", format_duration(*ns.history_ttl));
     }},
    // The booleans are written back only when true, like the unset optionals.
    {"presence", [](Namespace& ns, const toml::node& n) { ns.presence = boolean(n); },
     [](const Namespace& ns, toml::table& t) {
         if (ns.presence)
             t.insert("presence", true);
     }},
    {"join_leave", [](Namespace& ns, const toml::node& n) { ns.join_leave = boolean(n); },
     [](const Namespace& ns, toml::table& t) {
         if (ns.join_leave)
             t.insert("join_leave", true);
     }},
    {"client_publish", [](Namespace& ns, const toml::node& n) { ns.client_publish = boolean(n); },
     [](const Namespace& ns, toml::table& t) {
         if (!ns.client_publish)
             t.insert("client_publish", false);
     }},
    {"ephemeral_events",
     [](Namespace& ns, const toml::node& n) {
         const auto* array = n.as_array();
         if (!array || (!array->empty() && !array->is_homogeneous(toml::node_type::string)))
             fail("expected an array of event names, got " + describe(n));
         ns.ephemeral_events.clear();
         for (const auto& item : *array) {
             auto name = *item.value<std::string>();
             if (!is_valid_event_name(name))
                 fail("invalid event name " + quote(name) +
                      " (1-200 printable ASCII characters, no spaces)");
             ns.ephemeral_events.push_back(std::move(name));
         }
     },
     [](const Namespace& ns, toml::table& t) {
         if (ns.ephemeral_events.empty())
             return;
         toml::array names;
         for (const auto& name : ns.ephemeral_events)
             names.push_back(name);
         t.insert("ephemeral_events", std::move(names));
     }},
    {"latest_on_subscribe",
     [](Namespace& ns, const toml::node& n) { ns.latest_on_subscribe = boolean(n); },
     [](const Namespace& ns, toml::table& t) {
         if (ns.latest_on_subscribe)
             t.insert("latest_on_subscribe", true);
     }},
    {"upstream", [](Namespace& ns, const toml::node& n) { ns.upstream = boolean(n); },
     [](const Namespace& ns, toml::table& t) {
         if (ns.upstream)
             t.insert("upstream", true);
     }},

    {"slow_consumer",
     [](Namespace& ns, const toml::node& n) {
         if (!n.is_string())
             fail("expected a string, got " + describe(n));
         const auto text = *n.value<std::string>();
         ns.slow_consumer = parse_slow_consumer(text);
         if (!ns.slow_consumer)
             fail("unknown policy " + quote(text) +
                  " (expected \"disconnect\", \"drop_oldest\" or \"latest\")");
     },
     [](const Namespace& ns, toml::table& t) {
         if (ns.slow_consumer)
             t.insert("slow_consumer", std::string(slow_consumer_name(*ns.slow_consumer)));
     }},
};

// Errors name the file, the line of the offending value and the option, so
// that a user can find what to fix: "config file h.toml:7: namespace[1].history_ttl: ...".
Namespace read_namespace(const toml::table& table, const std::string& path, std::size_t index) {
    const auto at = [&](const toml::node& node, const std::string& option) {
        return "config file " + path + ":" + std::to_string(node.source().begin.line) +
               ": namespace[" + std::to_string(index) + "]" + (option.empty() ? "" : ".") +
               option + ": ";
    };
    Namespace ns;
    for (const auto& entry : table) {
        // Not a structured binding: clang 14 cannot capture one in a lambda.
        const auto& key = entry.first;
        const auto& node = entry.second;
        const auto* option = std::find_if(std::begin(options), std::end(options),
                                          [&](const Option& o) { return key.str() == o.name; });
        if (option == std::end(options))
            fail(at(node, "") + "unknown option " + quote(key.str()));
        try {
            option->read(ns, node);
        } catch (const ConfigError& e) {
            fail(at(node, option->name) + e.what());
        }
    }
    if (ns.pattern.empty())
        fail(at(table, "pattern") + "required");
    // Checked once the whole table is read, so the order of the keys does not
    // matter. Join and leave are decided by presence (a user's first and last
    // connection), so one cannot be had without the other.
    if (ns.join_leave && !ns.presence)
        fail(at(*table.get("join_leave"), "join_leave") +
             "needs presence = true in the same namespace");
    return ns;
}

} // namespace

std::vector<Namespace> parse_namespaces(const toml::node& node, const std::string& path) {
    const auto* array = node.as_array();
    if (!array || (!array->empty() && !array->is_array_of_tables()))
        fail("config file " + path + ":" + std::to_string(node.source().begin.line) +
             ": namespace: expected [[namespace]] tables, got " + describe(node));
    std::vector<Namespace> namespaces;
    std::set<std::string> patterns;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const auto& table = *array->at(i).as_table();
        namespaces.push_back(read_namespace(table, path, i));
        if (!patterns.insert(namespaces.back().pattern).second)
            fail("config file " + path + ":" + std::to_string(table.source().begin.line) +
                 ": namespace[" + std::to_string(i) + "].pattern: " +
                 quote(namespaces.back().pattern) +
                 " is already the pattern of an earlier namespace");
    }
    return namespaces;
}

toml::array namespaces_to_toml(const std::vector<Namespace>& namespaces) {
    toml::array array;
    for (const auto& ns : namespaces) {
        toml::table table;
        for (const auto& option : options)
            option.write(ns, table);
        array.push_back(std::move(table));
    }
    return array;
}

} // namespace config_keys
} // namespace herald
