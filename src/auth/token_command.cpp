#include "herald/auth/token_command.hpp"

#include "herald/auth/access_policy.hpp"
#include "herald/auth/channel_pattern.hpp"
#include "herald/auth/token_signer.hpp"
#include "herald/hub/channel.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

namespace herald::auth {

namespace {

struct Options {
    std::string sub;
    std::vector<std::string> channels, publish;
    std::string ttl = "1h";
    std::string private_key_file;
    std::string alg;
};

int usage_error(const std::string& message) {
    std::fprintf(stderr, "herald token: %s\n", message.c_str());
    return 2;
}

// The key to sign with: the configured secret, or a private key file (a
// public key can only verify).
std::string signing_key(const Options& options, const VerifierSettings& settings) {
    if (options.private_key_file.empty())
        return settings.secret;
    std::ifstream in(options.private_key_file, std::ios::binary);
    if (!in)
        throw ConfigError("cannot read " + options.private_key_file);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

} // namespace

int run_token_command(int argc, const char* const* argv,
                      const std::vector<std::string>& environment) {
    Options options;
    CLI::App app{"Print a token signed with herald's configured key (development and tests).\n"
                 "Other flags (--config, --jwt-secret-file, ...) configure the key as for the "
                 "server.",
                 "herald token"};
    app.allow_extras();
    app.add_option("--sub", options.sub, "user id: the token subscribes to user:<sub>");
    app.add_option("--channels", options.channels, "channel patterns it may subscribe to")
        ->delimiter(',');
    app.add_option("--publish", options.publish, "channel patterns it may publish to (WebSocket)")
        ->delimiter(',');
    app.add_option("--ttl", options.ttl, "lifetime, e.g. 30m, 1h (default 1h)");
    app.add_option("--private-key-file", options.private_key_file,
                   "PEM private key for RS*/ES* (the configured public key cannot sign)");
    app.add_option("--alg", options.alg, "algorithm; default: the first the key allows");
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    }

    std::vector<std::string> rest = app.remaining();
    std::vector<const char*> config_argv{"herald"};
    for (const auto& arg : rest)
        config_argv.push_back(arg.c_str());
    try {
        Config config;
        if (parse_command_line(static_cast<int>(config_argv.size()), config_argv.data(),
                               environment, config) == ParseOutcome::exit_ok)
            return 0;
        if (!options.sub.empty() && !is_valid_channel("user:" + options.sub))
            return usage_error("--sub: user:<sub> must be a valid channel name");
        for (const auto* list : {&options.channels, &options.publish})
            for (const auto& p : *list)
                if (!is_valid_pattern(p))
                    return usage_error("invalid channel pattern \"" + p + "\"");
        const auto ttl =
            std::chrono::duration_cast<std::chrono::seconds>(parse_duration(options.ttl));
        auto settings = verifier_settings(config);
        auto made = JwtVerifier::create(settings);
        if (auto* error = std::get_if<std::string>(&made))
            return usage_error(*error + " (configure the key as for the server)");
        auto verifier = std::get<std::shared_ptr<const JwtVerifier>>(made);
        const std::string alg = options.alg.empty() ? verifier->algorithms().front() : options.alg;
        const std::string key = signing_key(options, settings);
        if (key.empty())
            return usage_error("a public key cannot sign: pass --private-key-file");

        const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
        nlohmann::json claims = {{"iat", now}, {"exp", now + ttl.count()}};
        if (!options.sub.empty())
            claims["sub"] = options.sub;
        if (!options.channels.empty())
            claims["channels"] = options.channels;
        if (!options.publish.empty())
            claims["publish"] = options.publish;
        if (!config.jwt_issuer.empty())
            claims["iss"] = config.jwt_issuer;
        if (!config.jwt_audience.empty())
            claims["aud"] = config.jwt_audience;
        const std::string token = sign_token(alg, key, claims);
        // Print only what this herald would accept.
        auto check = verifier->verify(token, now);
        if (auto* failure = std::get_if<TokenFailure>(&check)) {
            std::fprintf(stderr, "herald token: the configured verifier refuses it: %s\n",
                         failure->message.c_str());
            return 1;
        }
        std::cout << token << "\n";
        return 0;
    } catch (const ConfigError& e) {
        return usage_error(e.what());
    } catch (const std::runtime_error& e) {
        std::fprintf(stderr, "herald token: %s\n", e.what());
        return 1;
    }
}

} // namespace herald::auth
