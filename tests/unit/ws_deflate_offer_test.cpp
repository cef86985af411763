#include "herald/wire/ws_deflate_offer.hpp"

#include <gtest/gtest.h>

using herald::ws::accept_deflate_offer;

namespace {
constexpr const char* kAnswer =
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
} // namespace

// What Chromium, Firefox and Node's ws send, and the bare offer.
TEST(WsDeflateOffer, CommonOffersAreAccepted) {
    EXPECT_EQ(accept_deflate_offer("permessage-deflate; client_max_window_bits"), kAnswer);
    EXPECT_EQ(accept_deflate_offer("permessage-deflate"), kAnswer);
    EXPECT_EQ(accept_deflate_offer("  permessage-deflate ;client_max_window_bits  "), kAnswer);
    EXPECT_EQ(accept_deflate_offer("Permessage-Deflate"), kAnswer);
}

TEST(WsDeflateOffer, EveryKnownParameterIsAccepted) {
    EXPECT_EQ(accept_deflate_offer("permessage-deflate; server_no_context_takeover; "
                                   "client_no_context_takeover; server_max_window_bits=15; "
                                   "client_max_window_bits=10"),
              std::string(kAnswer) + "; server_max_window_bits=15");
    EXPECT_EQ(accept_deflate_offer("permessage-deflate; client_max_window_bits=\"8\""), kAnswer);
    EXPECT_EQ(accept_deflate_offer("permessage-deflate; server_max_window_bits = 15"),
              std::string(kAnswer) + "; server_max_window_bits=15");
}

// RFC 7692 7.1: unknown, repeated or malformed parameters decline the offer.
TEST(WsDeflateOffer, BadOffersAreDeclined) {
    for (const char* offer : {
             "",
             "x-webkit-deflate-frame",
             "permessage-deflate; foo",
             "permessage-deflate; foo=1",
             "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
             "permessage-deflate; client_max_window_bits; client_max_window_bits=9",
             "permessage-deflate; server_no_context_takeover=1",
             "permessage-deflate; client_no_context_takeover=\"\"",
             "permessage-deflate; server_max_window_bits",
             "permessage-deflate; server_max_window_bits=16",
             "permessage-deflate; client_max_window_bits=7",
             "permessage-deflate; client_max_window_bits=16",
             "permessage-deflate; client_max_window_bits=08",
             "permessage-deflate; client_max_window_bits=abc",
             "permessage-deflate; client_max_window_bits=",
             "permessage-deflate; client_max_window_bits=\"10",
             "permessage-deflate; ;",
             "permessage-deflate-x",
         })
        EXPECT_EQ(accept_deflate_offer(offer), std::nullopt) << offer;
}

// One frame serves every client, so a smaller server window than herald's
// own cannot be honoured: that offer is declined, the next one taken.
TEST(WsDeflateOffer, SmallerServerWindowIsDeclinedAndTheNextOfferTaken) {
    EXPECT_EQ(accept_deflate_offer("permessage-deflate; server_max_window_bits=10"), std::nullopt);
    EXPECT_EQ(accept_deflate_offer("permessage-deflate; server_max_window_bits=10, "
                                   "permessage-deflate; client_max_window_bits"),
              kAnswer);
    EXPECT_EQ(accept_deflate_offer("x-webkit-deflate-frame, permessage-deflate; foo, "
                                   "permessage-deflate"),
              kAnswer);
}

// RFC 6455 9.1: a quoted value may hold the list's separators.
TEST(WsDeflateOffer, QuotedStringsDoNotSplitOffers) {
    EXPECT_EQ(accept_deflate_offer("other; x=\"a, permessage-deflate\""), std::nullopt);
    EXPECT_EQ(accept_deflate_offer("other; x=\"a,\\\"b\", permessage-deflate"), kAnswer);
}
