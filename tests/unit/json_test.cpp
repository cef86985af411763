#include "herald/wire/json.hpp"

#include <gtest/gtest.h>

using herald::json_nesting_exceeds;
using herald::json_quote;

TEST(Json, QuoteEscapesAndReplacesBadUtf8) {
    EXPECT_EQ(json_quote("plain"), R"("plain")");
    EXPECT_EQ(json_quote("say \"hi\"\n\\"), R"("say \"hi\"\n\\")");
    EXPECT_EQ(json_quote(std::string("\0\x01", 2)), R"("\u0000\u0001")");
    EXPECT_EQ(json_quote("bad \xff byte"), "\"bad \xef\xbf\xbd byte\""); // U+FFFD
    EXPECT_EQ(json_quote(""), R"("")");
}

TEST(Json, NestingCountsOutsideStringsOnly) {
    const std::string at_limit = std::string(64, '[') + std::string(64, ']');
    EXPECT_FALSE(json_nesting_exceeds(at_limit));
    EXPECT_TRUE(json_nesting_exceeds("[" + at_limit + "]"));
    EXPECT_TRUE(json_nesting_exceeds(std::string(65, '{')));
    EXPECT_FALSE(json_nesting_exceeds("[[]]", 2));
    EXPECT_TRUE(json_nesting_exceeds("[[[]]]", 2));
    // Siblings do not add up; brackets in strings (with escaped quotes) do not count.
    EXPECT_FALSE(json_nesting_exceeds("[[],[],[]]", 2));
    EXPECT_FALSE(json_nesting_exceeds(R"(["[[[\"[[[", "]"])", 1));
    // Stray closers do not buy depth for later openers.
    EXPECT_TRUE(json_nesting_exceeds("]]]][[[", 2));
    EXPECT_EQ(herald::json_too_deep_message(), "JSON nested too deeply (max 64 levels)");
}
