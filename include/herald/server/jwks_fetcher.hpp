#pragma once
// jwks_url (README "Security", "Keys from a URL"): fetches the issuer's JWKS
// over HTTPS and installs it in the AccessPolicy, on the hub's io_context
// (asynchronous: the hub thread never waits on the network). Workers read
// the keys through the policy's atomic pointer, never from here.
//
// When: auth::JwksSchedule. What shows: ServerInfo::set_jwks_state (/readyz)
// and ServerInfo::jwks_stats (/metrics). A failed fetch (network, TLS,
// status, a document without usable keys) keeps the last good keys.
#include "herald/auth/access_policy.hpp"
#include "herald/auth/jwks_schedule.hpp"
#include "herald/config/config.hpp"
#include "herald/server/server_info.hpp"
#include "herald/util/https_get.hpp"

#include <atomic>
#include <memory>
#include <mutex>

namespace herald {

class JwksFetcher {
public:
    // Throws ConfigError for an unreadable jwks_ca_file.
    JwksFetcher(net::io_context& context, const Config& config, ServerInfo& info,
                std::shared_ptr<const auth::AccessPolicy> policy);

    // On the context's thread: the first fetch, now.
    void start();
    // Any thread (a worker that met an unknown kid): fetch again soon, if
    // the schedule allows. Cheap when one is already on its way.
    void kid_miss();
    // Any thread (a reload): `policy` gets the last fetched key set now, and
    // every later fetch. Until then the workers still use the old policy,
    // which keeps its keys: no moment without keys.
    void retarget(std::shared_ptr<const auth::AccessPolicy> policy);

private:
    void do_fetch();
    void on_fetched(HttpsResult result);
    void on_kid_miss();
    void schedule(Clock::time_point at);
    void note_failure(const std::string& why);

    net::io_context& context_;
    net::ssl::context tls_;
    upstream::HttpTarget url_;
    std::string url_text_;
    ServerInfo& info_;
    // Guarded: the hub thread installs fetched keys, a reload retargets.
    std::mutex policy_mutex_;
    std::shared_ptr<const auth::AccessPolicy> policy_;
    std::string last_jwks_; // the last document that gave keys
    auth::JwksSchedule schedule_;
    net::steady_timer timer_;
    bool have_keys_ = false;
    std::atomic<bool> kid_miss_posted_{false};
};

} // namespace herald
