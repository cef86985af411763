// The bound on sends waiting for upstream_url: beyond it a send fails at
// once instead of queueing without limit.
#include "herald/upstream/http_upstream.hpp"

#include <gtest/gtest.h>

using namespace herald;

TEST(UpstreamHttpInFlight, BeyondTheBoundASendFailsAtOnce) {
    net::io_context context;
    // Listens but never answers: every POST stays in flight until its timeout.
    tcp::acceptor silent(context, {net::ip::make_address("127.0.0.1"), 0});
    Config config;
    config.upstream_timeout = std::chrono::seconds(30);
    upstream::HttpUpstream http(
        context, config,
        {"127.0.0.1", std::to_string(silent.local_endpoint().port()), "/", "127.0.0.1"});
    int answered = 0;
    upstream::Result last;
    for (std::size_t i = 0; i <= upstream::HttpUpstream::max_in_flight; ++i)
        http.send({"a", "u", "1", "n", 1, "r"}, [&](upstream::Result r) {
            ++answered;
            last = std::move(r);
        });
    EXPECT_EQ(http.in_flight(), upstream::HttpUpstream::max_in_flight);
    ASSERT_EQ(answered, 1); // the one over the bound, synchronously
    EXPECT_FALSE(last.ok);
    EXPECT_NE(last.error.find("too many"), std::string::npos) << last.error;
}
