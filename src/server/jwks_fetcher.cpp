#include "herald/server/jwks_fetcher.hpp"

#include <spdlog/spdlog.h>

namespace herald {

namespace {
constexpr std::chrono::milliseconds fetch_timeout{10'000};
// Issuers publish a few keys in a few KiB; anything near this is not a JWKS.
constexpr std::size_t max_jwks_size = 1024 * 1024;
} // namespace

JwksFetcher::JwksFetcher(net::io_context& context, const Config& config, ServerInfo& info,
                         std::shared_ptr<const auth::AccessPolicy> policy)
    : context_(context), tls_(net::ssl::context::tls_client), url_text_(config.jwks_url),
      info_(info), policy_(std::move(policy)), schedule_(config.jwks_refresh_interval), timer_(context) {
    auto parsed = upstream::parse_http_target(config.jwks_url, "https");
    if (auto* error = std::get_if<upstream::UrlError>(&parsed)) // config checks it first
        throw ConfigError("jwks_url: " + error->message);
    url_ = std::get<upstream::HttpTarget>(parsed);
    tls_.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                     net::ssl::context::no_tlsv1_1);
    tls_.set_default_verify_paths();
    if (!config.jwks_ca_file.empty()) {
        error_code ec;
        tls_.load_verify_file(config.jwks_ca_file, ec);
        if (ec)
            throw ConfigError("jwks_ca_file: cannot load " + config.jwks_ca_file + ": " +
                              ec.message());
    }
    info_.jwks_enabled = true;
    info_.set_jwks_state(false, {});
}

void JwksFetcher::start() {
    do_fetch();
}

void JwksFetcher::kid_miss() {
    // Coalesced: a flood of tokens with unknown kids posts once.
    if (!kid_miss_posted_.exchange(true))
        net::post(context_, [this] { on_kid_miss(); });
}

void JwksFetcher::on_kid_miss() {
    kid_miss_posted_ = false;
    if (schedule_.kid_miss(Clock::now())) {
        spdlog::info("jwks_url: a token names a key we lack, fetching {}", url_text_);
        do_fetch();
    }
}

void JwksFetcher::do_fetch() {
    if (schedule_.in_flight())
        return;
    timer_.cancel();
    schedule_.started();
    https_get(context_, tls_, url_, fetch_timeout, max_jwks_size,
              [this](HttpsResult result) { on_fetched(std::move(result)); });
}

void JwksFetcher::on_fetched(HttpsResult result) {
    bool ok = false;
    if (!result.error.empty()) {
        note_failure(result.error);
    } else if (result.status != 200) {
        note_failure("HTTP " + std::to_string(result.status));
    } else {
        std::unique_lock lock(policy_mutex_);
        auto installed = policy_->install_jwks(result.body);
        if (std::holds_alternative<std::size_t>(installed))
            last_jwks_ = std::move(result.body);
        lock.unlock();
        if (auto* error = std::get_if<std::string>(&installed)) {
            note_failure("bad JWKS: " + *error);
        } else {
            const auto keys = std::get<std::size_t>(installed);
            if (!have_keys_)
                spdlog::info("jwks_url: {} keys from {}", keys, url_text_);
            have_keys_ = ok = true;
            info_.jwks_stats.refreshes.add();
            info_.jwks_stats.keys.set(keys);
            info_.set_jwks_state(true, {});
        }
    }
    schedule(schedule_.finished(Clock::now(), ok));
}

void JwksFetcher::retarget(std::shared_ptr<const auth::AccessPolicy> policy) {
    std::lock_guard lock(policy_mutex_);
    if (!last_jwks_.empty())
        policy->install_jwks(last_jwks_); // accepted before: it checks the same
    policy_ = std::move(policy);
}

void JwksFetcher::note_failure(const std::string& why) {
    info_.jwks_stats.refresh_errors.add();
    info_.set_jwks_state(have_keys_, why);
    spdlog::warn("jwks_url: fetching {} failed: {}{}", url_text_, why,
                 have_keys_ ? "; keeping the last good keys" : "; no keys yet, tokens are refused");
}

void JwksFetcher::schedule(Clock::time_point at) {
    timer_.expires_at(at);
    timer_.async_wait([this](error_code ec) {
        if (!ec)
            do_fetch();
    });
}

} // namespace herald
