#include "herald/util/strings.hpp"

#include <gtest/gtest.h>

using herald::iequals;
using herald::lower;
using herald::trim;

TEST(Strings, TrimStripsSpacesAndTabsOnly) {
    EXPECT_EQ(trim(" \t a b \t "), "a b");
    EXPECT_EQ(trim("\r\nx\n"), "\r\nx\n"); // not OWS
    EXPECT_EQ(trim("   "), "");
    EXPECT_EQ(trim(""), "");
}

TEST(Strings, LowerFoldsAsciiOnly) {
    EXPECT_EQ(lower("HTTPS://App.Example:8443"), "https://app.example:8443");
    EXPECT_EQ(lower("\xC3\x89t\xC3\xA9"), "\xC3\x89t\xC3\xA9"); // UTF-8 bytes unchanged
    EXPECT_EQ(lower(std::string("A\0B", 3)), std::string("a\0b", 3));
}

TEST(Strings, IequalsIgnoresAsciiCase) {
    EXPECT_TRUE(iequals("https://App.example.com", "https://app.EXAMPLE.com"));
    EXPECT_TRUE(iequals("", ""));
    EXPECT_FALSE(iequals("abc", "abcd"));
    EXPECT_FALSE(iequals("a-b", "a_b"));
    EXPECT_FALSE(iequals("\xC3\x89", "\xC3\xA9"));
}
