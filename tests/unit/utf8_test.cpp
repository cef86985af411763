#include "herald/wire/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

using herald::is_valid_utf8;

namespace {

// Reference decoder: encodes a code point the straightforward way, so the
// exhaustive test below compares the validator against the definition.
std::string encode(char32_t cp) {
    std::string out;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
}

TEST(Utf8, AcceptsValidText) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_TRUE(is_valid_utf8("plain ascii\n"));
    EXPECT_TRUE(is_valid_utf8(std::string("nul\0inside", 10)));
    EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9"));                  // é
    EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));                 // €
    EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));             // 😀
    EXPECT_TRUE(is_valid_utf8("\xEF\xBF\xBF\xF4\x8F\xBF\xBF")); // U+FFFF, U+10FFFF
}

TEST(Utf8, RejectsMalformedSequences) {
    EXPECT_FALSE(is_valid_utf8("\x80"));             // lone continuation
    EXPECT_FALSE(is_valid_utf8("\xC3"));             // truncated
    EXPECT_FALSE(is_valid_utf8("\xE2\x82"));         // truncated
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x98"));     // truncated
    EXPECT_FALSE(is_valid_utf8("\xC3\x28"));         // bad continuation
    EXPECT_FALSE(is_valid_utf8("\xE2\x28\xA1"));     // bad continuation
    EXPECT_FALSE(is_valid_utf8("\xF0\x9F\x28\x80")); // bad continuation
    EXPECT_FALSE(is_valid_utf8("\xFE"));
    EXPECT_FALSE(is_valid_utf8("\xFF"));
}

TEST(Utf8, RejectsOverlongsSurrogatesAndOutOfRange) {
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));                 // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));                 // overlong
    EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));             // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));             // overlong U+07FF
    EXPECT_FALSE(is_valid_utf8("\xF0\x80\x80\xAF"));         // overlong '/'
    EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));         // overlong U+FFFF
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));             // U+D800
    EXPECT_FALSE(is_valid_utf8("\xED\xBF\xBF"));             // U+DFFF
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\xBD\xED\xB8\x80")); // CESU-8 pair
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));         // U+110000
    EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));
}

TEST(Utf8, AgreesWithDefinitionForEveryCodePoint) {
    for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
        const bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
        ASSERT_EQ(is_valid_utf8(encode(cp)), !surrogate) << std::hex << static_cast<unsigned>(cp);
    }
}

TEST(Utf8, ExhaustiveTwoByteInputs) {
    // Every 2-byte string: valid iff it is ASCII+ASCII or a 2-byte sequence
    // with a lead of C2..DF followed by a continuation byte.
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            const char s[2] = {static_cast<char>(a), static_cast<char>(b)};
            const bool expected =
                (a < 0x80 && b < 0x80) || (a >= 0xC2 && a <= 0xDF && b >= 0x80 && b <= 0xBF);
            ASSERT_EQ(is_valid_utf8(std::string_view(s, 2)), expected) << a << " " << b;
        }
    }
}

} // namespace
