// The keys of upstream client messages ({"type":"send"}, README "Upstream
// messages"), in a block of their own after the authentication keys.
#include "config_keys.hpp"

#include "herald/upstream/http_target.hpp"

#include <limits>

namespace herald::config_keys {
namespace {

void check_upstream_url(const std::string& url) {
    if (url.empty())
        return;
    auto parsed = upstream::parse_http_target(url);
    if (auto* error = std::get_if<upstream::UrlError>(&parsed))
        fail("invalid URL " + quote(url) + ": " + error->message);
}

void check_stream_key(const std::string& key) {
    if (key.empty())
        fail("must not be empty");
}

} // namespace

std::vector<Key> upstream_keys() {
    using C = Config;
    return {
        text_key("upstream_stream", "KEY", "Redis Stream that client send messages go to",
                 &C::upstream_stream, check_stream_key),
        count_key<std::size_t>("upstream_maxlen", "approximate cap of upstream_stream (MAXLEN ~)",
                               &C::upstream_maxlen, 1, std::numeric_limits<std::size_t>::max()),
        text_key("upstream_url", "URL",
                 "http:// endpoint client send messages are POSTed to without Redis; empty = off",
                 &C::upstream_url, check_upstream_url),
        duration_key("upstream_timeout", "deadline of one upstream_url request",
                     &C::upstream_timeout, Millis{1}),
        count_key<unsigned>("upstream_retries", "upstream_url retries after a failed attempt",
                            &C::upstream_retries, 0, 10),
    };
}

} // namespace herald::config_keys
