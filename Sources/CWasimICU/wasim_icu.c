#include "wasim_icu.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uregex.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>
#include <unicode/uversion.h>

struct wasim_segmenter {
    UBreakIterator *words;
    UBreakIterator *sentences;
    const UChar *text;
    int32_t length;
    int32_t wordPosition;
    // Where the word iterator stands (-1: nowhere in this text) and where the text it was given
    // starts in `text`; how many more segments to take from it before trying `plain_segment`.
    int32_t icuAt;
    int32_t icuBase;
    int32_t icuLeft;
    // The text the sentence iterator reads (see `shorten_for_sentences`) and, for each of its
    // units, where it stands in `text` (one more entry: the text's length).
    UChar *sentenceText;
    int32_t *sentenceOrigin;
    int32_t sentenceCapacity;
};

wasim_segmenter *wasim_segmenter_open(const char *locale, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    wasim_segmenter *s = calloc(1, sizeof *s);
    if (!s) { *error = U_MEMORY_ALLOCATION_ERROR; return NULL; }
    s->words = ubrk_open(UBRK_WORD, locale, NULL, 0, &status);
    if (U_SUCCESS(status)) s->sentences = ubrk_open(UBRK_SENTENCE, locale, NULL, 0, &status);
    if (U_FAILURE(status)) {
        *error = status;
        wasim_segmenter_close(s);
        return NULL;
    }
    *error = 0;
    return s;
}

void wasim_segmenter_close(wasim_segmenter *s) {
    if (!s) return;
    if (s->words) ubrk_close(s->words);
    if (s->sentences) ubrk_close(s->sentences);
    free(s->sentenceText);
    free(s->sentenceOrigin);
    free(s);
}

// A run that the sentence iterator may read as its first unit alone: an Arabic letter (Sentence_Break
// OLetter) then Arabic letters, harakat (Extend) and spaces (Sp). No rule of UAX #29's sentence
// breaks (ICU's sent.txt) breaks inside such a run, and none looks into it past its first letter:
// an OLetter ends SB8's look-ahead for a lower-case letter, and the rules that look back from a
// terminator (SB7, SB9-SB11) look through Close and Sp to a terminator, never through a letter.
// So the run `كتب الوزير في` breaks the text exactly as its first letter alone does, and ICU's
// sentence iterator, which costs some fifty instructions a unit, reads a news text a third as long.
static inline int opens_run(UChar c) { return (UChar)(c - 0x0620) <= 0x064A - 0x0620 || (UChar)(c - 0x0671) <= 0x06D3 - 0x0671; }
// Letters and harakat lie in two unbroken ranges: U+0620-U+065F and U+0670-U+06D3.
static inline int continues_run(UChar c) { return (UChar)(c - 0x0620) < 0x40 || (UChar)(c - 0x0670) <= 0x06D3 - 0x0670 || c == 0x20; }

#if defined(__SSE2__)
#include <emmintrin.h>
// How many of the eight units at `p` continue a run before the first that does not (8: all of
// them). SSE2 has no unsigned 16-bit compare: x <= limit is a saturating x - limit of zero.
static inline int continuing_units8(const UChar *p) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i zero = _mm_setzero_si128();
    __m128i letters = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_sub_epi16(v, _mm_set1_epi16(0x0620)), _mm_set1_epi16(0x3F)), zero);
    __m128i upper = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_sub_epi16(v, _mm_set1_epi16(0x0670)), _mm_set1_epi16(0x06D3 - 0x0670)), zero);
    __m128i spaces = _mm_cmpeq_epi16(v, _mm_set1_epi16(0x20));
    uint32_t stop = ~(uint32_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(letters, upper), spaces)) & 0xFFFF;
    return stop ? __builtin_ctz(stop) >> 1 : 8;
}

// How many of the eight units at `p` are letters hamza to yeh (U+0621-U+064A) before the
// first that is not (8: all of them).
static inline int arabic_letters8(const UChar *p) {
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i letters = _mm_cmpeq_epi16(_mm_subs_epu16(_mm_sub_epi16(v, _mm_set1_epi16(0x0621)), _mm_set1_epi16(0x064A - 0x0621)),
                                      _mm_setzero_si128());
    uint32_t stop = ~(uint32_t)_mm_movemask_epi8(letters) & 0xFFFF;
    return stop ? __builtin_ctz(stop) >> 1 : 8;
}
#endif

static int shorten_for_sentences(wasim_segmenter *s, const UChar *text, int32_t length) {
    if (length + 1 > s->sentenceCapacity) {
        int32_t capacity = length + 1 > 2 * s->sentenceCapacity ? length + 1 : 2 * s->sentenceCapacity;
        UChar *units = realloc(s->sentenceText, sizeof(UChar) * (size_t)capacity);
        if (!units) return -1;
        s->sentenceText = units;
        int32_t *origin = realloc(s->sentenceOrigin, sizeof(int32_t) * (size_t)capacity);
        if (!origin) return -1;
        s->sentenceOrigin = origin;
        s->sentenceCapacity = capacity;
    }
    UChar *out = s->sentenceText;
    int32_t *origin = s->sentenceOrigin;
    int32_t n = 0, i = 0;
    while (i < length) {
        UChar c = text[i];
        out[n] = c;
        origin[n] = i;
        n++;
        i++;
        if (!opens_run(c)) continue;
#if defined(__SSE2__)
        // A run is most of a sentence (words and the spaces between them): eight units a step,
        // a fifth of the instructions of one at a time.
        while (i + 8 <= length) {
            int k = continuing_units8(text + i);
            i += k;
            if (k < 8) break;
        }
#endif
        while (i < length && continues_run(text[i])) i++;
    }
    origin[n] = length;
    return n;
}

int32_t wasim_segmenter_set_text(wasim_segmenter *s, const uint16_t *text, int32_t length) {
    UErrorCode status = U_ZERO_ERROR;
    s->text = (const UChar *)text;
    s->length = length;
    s->wordPosition = 0;
    s->icuAt = 0;
    s->icuBase = 0;
    s->icuLeft = 0;
    int32_t shortened = shorten_for_sentences(s, (const UChar *)text, length);
    if (shortened < 0) return U_MEMORY_ALLOCATION_ERROR;
    ubrk_setText(s->words, s->text, length, &status);
    if (U_SUCCESS(status)) ubrk_setText(s->sentences, s->sentenceText, shortened, &status);
    return U_FAILURE(status) ? (int32_t)status : 0;
}

// A segment with no letter or number status: white space and format characters are dropped,
// the rest is punctuation or a symbol by its first code point.
static int classify_other(const UChar *text, int32_t start, int32_t end) {
    // Most of these segments are one space between words: answer it without asking ICU.
    if (end - start == 1 && text[start] == 0x20) return -1;
    int32_t i = start;
    int visible = 0;
    UChar32 first = 0;
    while (i < end) {
        UChar32 c;
        U16_NEXT(text, i, end, c);
        // ASCII white space and controls (what ICU's tests below say of them), then the rest.
        if (c < 0x80 ? (c <= 0x20 || c == 0x7F)
                     : (u_isUWhiteSpace(c) || u_charType(c) == U_FORMAT_CHAR || u_charType(c) == U_CONTROL_CHAR)) continue;
        if (!visible) first = c;
        visible = 1;
    }
    if (!visible) return -1;
    return u_ispunct(first) ? WASIM_TOKEN_PUNCTUATION : WASIM_TOKEN_SYMBOL;
}

// Word-break classes of the code points below U+2100 (the rest: none of them): what
// `plain_segment` needs to know of a character. ICU tailors some classes (it joins `@` to the
// letters around it, for e-mail addresses), so letters and punctuation are the ones listed here,
// each checked against ICU by the tests; only the classes that send a text to ICU (marks) come
// from the properties alone.
enum {
    WB_LETTER = 1,  // ALetter: the letters of the Arabic block and ASCII's
    WB_JOINS = 2,   // Extend, Format, ZWJ: joins the character before it (WB4)
    WB_SPACE = 4,   // U+0020
    WB_LF = 8,
    WB_PUNCT = 16,  // the punctuation below: Other, MidNum, MidLetter, MidNumLet, Single_Quote or Double_Quote
    WB_WIDE = 32,   // WSegSpace but U+0020: joins a space before it (WB3d)
    WB_DIGIT = 64,  // Numeric: the digits 0-9, ٠-٩ and ۰-۹
    WB_NBSP = 128,  // U+00A0 (Other): a segment of its own, white space, and no letter or digit joins it
};
#define WB_TABLE 0x2100
// What a word or number may end at (see `plain_segment`).
#define WB_ENDS (WB_SPACE | WB_LF | WB_PUNCT | WB_NBSP)
// Punctuation that may join letters on either side of it (MidLetter, MidNumLet, Single_Quote:
// WB6-7) or digits (MidNum, MidNumLet, Single_Quote: WB11-12), by the properties: ICU's rules
// join no more than these (they leave `:` out of MidLetter), and reading one as a joiner when
// ICU does not only sends a segment to ICU.
static uint8_t joins_letters[WB_TABLE / 8];
static uint8_t joins_digits[WB_TABLE / 8];
static inline int in_set(const uint8_t *set, UChar c) { return c < WB_TABLE && set[c >> 3] >> (c & 7) & 1; }
static uint8_t wb_classes[WB_TABLE];
static pthread_once_t wb_once = PTHREAD_ONCE_INIT;

static void wb_fill(void) {
    for (UChar32 c = 0; c < WB_TABLE; c++) {
        int wb = u_getIntPropertyValue(c, UCHAR_WORD_BREAK);
        uint8_t k = 0;
        if (wb == U_WB_EXTEND || wb == U_WB_FORMAT || wb == U_WB_ZWJ) k = WB_JOINS;
        else if (wb == U_WB_ALETTER && ((c >= 0x0600 && c <= 0x06FF) || (uint32_t)((c | 0x20) - 'a') < 26u)) k = WB_LETTER;
        else if (wb == U_WB_WSEGSPACE) k = WB_WIDE;
        else if (wb == U_WB_NUMERIC && ((c >= '0' && c <= '9') || (c >= 0x0660 && c <= 0x0669) || (c >= 0x06F0 && c <= 0x06F9)))
            k = WB_DIGIT;
        wb_classes[c] = k;
        if (wb == U_WB_MIDLETTER || wb == U_WB_MIDNUMLET || wb == U_WB_SINGLE_QUOTE) joins_letters[c >> 3] |= (uint8_t)(1 << (c & 7));
        if (wb == U_WB_MIDNUM || wb == U_WB_MIDNUMLET || wb == U_WB_SINGLE_QUOTE) joins_digits[c >> 3] |= (uint8_t)(1 << (c & 7));
    }
    if (u_getIntPropertyValue(0xA0, UCHAR_WORD_BREAK) == U_WB_OTHER) wb_classes[0xA0] = WB_NBSP;
    wb_classes[0x20] = WB_SPACE;
    wb_classes[0x0A] = WB_LF;
    static const UChar punctuation[] = {0x09, '!', '"', '%', '\'', '(', ')', '*', ',', '-', '.', '/', ':', ';', '?', '[', ']',
                                        0xAB, 0xBB, 0x060C, 0x061B, 0x061F, 0x066A, 0x2013, 0x2014, 0x2018, 0x2019, 0x201C,
                                        0x201D, 0x2026};
    for (size_t i = 0; i < sizeof punctuation / sizeof *punctuation; i++) {
        int wb = u_getIntPropertyValue(punctuation[i], UCHAR_WORD_BREAK);
        if (wb == U_WB_OTHER || wb == U_WB_MIDNUM || wb == U_WB_MIDLETTER || wb == U_WB_MIDNUMLET
            || wb == U_WB_SINGLE_QUOTE || wb == U_WB_DOUBLE_QUOTE) wb_classes[punctuation[i]] = WB_PUNCT;
    }
}

static inline uint8_t wb_class(UChar c) { return c < WB_TABLE ? wb_classes[c] : 0; }

// The segment ICU's word break iterator gives at `b`, a boundary, when the characters there make
// it certain without running ICU's rules: its end (0 when not certain) and its kind (-1: white
// space, dropped). Most of a news text is letters between spaces, which this reads at a fraction
// of the cost of ICU's iterator (its state machine and tables); everything else goes to ICU.
// - Letters (and the Arabic marks they carry) up to a space, a no-break space or line feed, or
//   up to punctuation that cannot join letters (`"` `(` `،` `-`…) or that is followed by one of
//   those: one word. Rules join a letter only to letters, marks, digits, `_` and, between two
//   letters, to `'` `.` `:` (WB5-WB13).
// - Spaces up to anything but a mark (WB3d joins spaces, WB4 joins a mark to what it follows).
// - A line feed, no-break space or punctuation mark at a boundary: itself, unless a mark
//   follows. Nothing but a mark joins what follows to a line feed (WB3b) or to a no-break space
//   (Other), and the rules that join what follows to punctuation (WB6-7, WB7b-c, WB11-12) join
//   what precedes it too, and `b` is a boundary.
// - Digits, and `,` `.` `'` `٬`… between two digits (WB11-12), up to what a word may end at,
//   with the digits' own joining punctuation in place of the letters': one number (ICU's
//   status 100-199). Rules join a digit only to digits (WB8), letters (WB9-10), `_` (WB13a-b),
//   marks (WB4) and those. Numbers were most of what the iterator was given (a number's segment
//   cost some 3,000 instructions in ICU with the six boundaries it finds after it).
static int32_t plain_segment(const UChar *t, int32_t b, int32_t length, int *kind) {
    uint8_t k = wb_class(t[b]);
    int32_t q = b + 1;
    if (k & WB_DIGIT) {
        while (q < length) {
            if (wb_class(t[q]) & WB_DIGIT) {
                q++;
            } else if (in_set(joins_digits, t[q]) && q + 1 < length && wb_class(t[q + 1]) & WB_DIGIT) {
                q += 2;  // 1,500 or 2.5 (WB11-12)
            } else {
                break;
            }
        }
        if (q < length) {
            uint8_t next = wb_class(t[q]);
            if (!(next & WB_ENDS)) return 0;
            if (in_set(joins_digits, t[q]) && q + 1 < length && !(wb_class(t[q + 1]) & WB_ENDS)) return 0;
        }
        *kind = WASIM_TOKEN_NUMBER;
        return q;
    }
    if (k & WB_LETTER) {
        while (q < length) {
#if defined(__SSE2__)
            // Eight units a step while they are letters hamza to yeh (a word's letters are
            // mostly these: one step for most words instead of one a letter).
            if (q + 8 <= length) {
                int letters = arabic_letters8(t + q);
                q += letters;
                if (letters == 8) continue;
            }
#endif
            UChar c = t[q];
            // Most of a word: the letters hamza to yeh, all ALetter, without the table.
            if ((UChar)(c - 0x0621) <= 0x064A - 0x0621) {
                q++;
                continue;
            }
            uint8_t next = wb_class(c);
            if (!(next & WB_LETTER) && !(next & WB_JOINS && c >= 0x0600 && c <= 0x06FF)) break;
            q++;
        }
        if (q < length) {
            uint8_t next = wb_class(t[q]);
            if (!(next & WB_ENDS)) return 0;
            if (in_set(joins_letters, t[q]) && q + 1 < length && !(wb_class(t[q + 1]) & WB_ENDS)) return 0;
        }
        *kind = WASIM_TOKEN_WORD;
        return q;
    }
    if (k & WB_SPACE) {
        while (q < length && t[q] == 0x20) q++;
    } else if (!(k & (WB_LF | WB_PUNCT | WB_NBSP))) {
        return 0;
    }
    if (q < length && (t[q] >= WB_TABLE || wb_class(t[q]) & (WB_JOINS | WB_WIDE))) return 0;
    *kind = k & WB_PUNCT ? classify_other(t, b, q) : -1;
    return q;
}

int32_t wasim_segmenter_next_tokens(wasim_segmenter *s, int32_t *starts, int32_t *ends,
                                    uint8_t *kinds, int32_t capacity) {
    pthread_once(&wb_once, wb_fill);
    const UChar *text = s->text;
    int32_t length = s->length;
    int32_t n = 0;
    while (n < capacity && s->wordPosition < length) {
        int32_t start = s->wordPosition;
        int32_t end;
        int kind;
        if (s->icuLeft > 0 && s->icuAt == start) {
            s->icuLeft--;
        } else if ((end = plain_segment(text, start, length, &kind)) > 0) {
            s->wordPosition = end;
            if (kind < 0) continue;
            starts[n] = start;
            ends[n] = end;
            kinds[n] = (uint8_t)kind;
            n++;
            // The one space after a word, a segment of its own that is dropped when neither a
            // space nor a mark follows it (as `plain_segment` reads it): skipped here, not in a
            // turn of the loop of its own.
            if (end + 1 < length && text[end] == 0x20) {
                UChar after = text[end + 1];
                if (after != 0x20 && after < WB_TABLE && !(wb_classes[after] & (WB_JOINS | WB_WIDE))) s->wordPosition = end + 1;
            }
            continue;
        } else {
            // From a boundary on, ICU's boundaries depend only on the text after it: the iterator
            // is given the rest of the text. It finds seven boundaries at a time (one, then six
            // more into its cache): the six are taken before trying `plain_segment` again.
            if (s->icuAt != start) {
                UErrorCode status = U_ZERO_ERROR;
                ubrk_setText(s->words, text + start, length - start, &status);
                if (U_FAILURE(status)) break;
                s->icuBase = start;
            }
            s->icuLeft = 6;
        }
        int32_t next = ubrk_next(s->words);
        if (next == UBRK_DONE) break;
        end = s->icuBase + next;
        s->wordPosition = end;
        s->icuAt = end;
        int32_t rule = ubrk_getRuleStatus(s->words);
        if (rule >= UBRK_WORD_NUMBER && rule < UBRK_WORD_NUMBER_LIMIT) kind = WASIM_TOKEN_NUMBER;
        else if (rule >= UBRK_WORD_LETTER) kind = WASIM_TOKEN_WORD;
        else kind = classify_other(text, start, end);
        if (kind < 0) continue;
        starts[n] = start;
        ends[n] = end;
        kinds[n] = (uint8_t)kind;
        n++;
    }
    return n;
}

int32_t wasim_segmenter_icu_tokens(wasim_segmenter *s, const uint16_t *text, int32_t length, int32_t *starts,
                                   int32_t *ends, uint8_t *kinds, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    ubrk_setText(s->words, (const UChar *)text, length, &status);
    if (U_FAILURE(status)) return -1;
    int32_t n = 0, start = 0, end;
    while ((end = ubrk_next(s->words)) != UBRK_DONE) {
        int32_t rule = ubrk_getRuleStatus(s->words);
        int kind;
        if (rule >= UBRK_WORD_NUMBER && rule < UBRK_WORD_NUMBER_LIMIT) kind = WASIM_TOKEN_NUMBER;
        else if (rule >= UBRK_WORD_LETTER) kind = WASIM_TOKEN_WORD;
        else kind = classify_other((const UChar *)text, start, end);
        if (kind >= 0) {
            if (n == capacity) return -1;
            starts[n] = start;
            ends[n] = end;
            kinds[n] = (uint8_t)kind;
            n++;
        }
        start = end;
    }
    s->text = NULL;
    s->length = 0;
    return n;
}

int64_t wasim_segmenter_count_words(wasim_segmenter *s, const uint16_t *text, int32_t length) {
    UErrorCode status = U_ZERO_ERROR;
    ubrk_setText(s->words, (const UChar *)text, length, &status);
    if (U_FAILURE(status)) return -1;
    int64_t n = 0;
    int32_t start = 0, end;
    while ((end = ubrk_next(s->words)) != UBRK_DONE) {
        if (ubrk_getRuleStatus(s->words) >= UBRK_WORD_NUMBER || classify_other((const UChar *)text, start, end) >= 0) n++;
        start = end;
    }
    // Leave the iterators pointing at no text the caller may free.
    s->text = NULL;
    s->length = 0;
    return n;
}

int32_t wasim_segmenter_next_sentences(wasim_segmenter *s, int32_t *ends, int32_t capacity) {
    int32_t n = 0;
    while (n < capacity) {
        int32_t end = ubrk_next(s->sentences);
        if (end == UBRK_DONE) break;
        ends[n++] = s->sentenceOrigin[end];
    }
    return n;
}

int32_t wasim_segmenter_icu_sentences(wasim_segmenter *s, const uint16_t *text, int32_t length,
                                      int32_t *ends, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    ubrk_setText(s->sentences, (const UChar *)text, length, &status);
    if (U_FAILURE(status)) return -1;
    int32_t n = 0, end;
    while ((end = ubrk_next(s->sentences)) != UBRK_DONE) {
        if (n == capacity) return -1;
        ends[n++] = end;
    }
    // Leave the iterators pointing at no text the caller may free.
    s->text = NULL;
    s->length = 0;
    return n;
}

#if defined(__x86_64__)
#include <immintrin.h>

// For each keep mask of eight 16-bit lanes, the byte shuffle that packs the kept lanes to the front.
static uint8_t pack_lanes[256][16];

__attribute__((constructor)) static void make_pack_lanes(void) {
    for (int m = 0; m < 256; m++) {
        int k = 0;
        for (int lane = 0; lane < 8; lane++)
            if (m & (1 << lane)) { pack_lanes[m][2 * k] = (uint8_t)(2 * lane); pack_lanes[m][2 * k + 1] = (uint8_t)(2 * lane + 1); k++; }
        for (; k < 8; k++) { pack_lanes[m][2 * k] = 0x80; pack_lanes[m][2 * k + 1] = 0x80; }
    }
}

// Sixteen bytes at once when they hold only ASCII and well-formed two-byte sequences (an Arabic
// text's words and the spaces and punctuation between them, which the eight-byte steps below
// take a run at a time): every position's unit is made, a lead with its continuation byte, and
// the continuation bytes' lanes are packed away. Returns the units written, or -1 (nothing
// consumed) when the bytes hold anything else; `*consumed` is 16, or 15 when the last byte is
// a lead whose continuation lies beyond. Writes sixteen units at most past `dst`, which the
// output has room for (a unit per input byte, and sixteen bytes are read).
__attribute__((target("ssse3"))) static int32_t decode_block16(const uint8_t *src, uint16_t *dst, int32_t *consumed) {
    __m128i b = _mm_loadu_si128((const __m128i *)src);
    __m128i lead8 = _mm_and_si128(_mm_cmpgt_epi8(b, _mm_set1_epi8((char)0xC1)), _mm_cmplt_epi8(b, _mm_set1_epi8((char)0xE0)));
    __m128i cont8 = _mm_cmplt_epi8(b, _mm_set1_epi8((char)0xC0));
    uint32_t high = (uint32_t)_mm_movemask_epi8(b);
    uint32_t lead = (uint32_t)_mm_movemask_epi8(lead8);
    uint32_t cont = (uint32_t)_mm_movemask_epi8(cont8);
    // Every byte at or above 0x80 a lead (C2-DF) or a continuation, and the continuations exactly
    // the bytes after the leads (a continuation first, or a lead before a non-continuation, fails).
    if (high != (lead | cont) || cont != ((lead << 1) & 0xFFFF)) return -1;
    uint32_t keep = ~cont & 0xFFFF;
    *consumed = 16;
    if (lead & 0x8000) { keep &= 0x7FFF; *consumed = 15; }
    __m128i zero = _mm_setzero_si128();
    __m128i next = _mm_srli_si128(b, 1);
    __m128i low5 = _mm_set1_epi16(0x1F), low6 = _mm_set1_epi16(0x3F);
    __m128i wLo = _mm_unpacklo_epi8(b, zero), wHi = _mm_unpackhi_epi8(b, zero);
    __m128i nLo = _mm_unpacklo_epi8(next, zero), nHi = _mm_unpackhi_epi8(next, zero);
    __m128i lLo = _mm_unpacklo_epi8(lead8, lead8), lHi = _mm_unpackhi_epi8(lead8, lead8);
    __m128i pLo = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(wLo, low5), 6), _mm_and_si128(nLo, low6));
    __m128i pHi = _mm_or_si128(_mm_slli_epi16(_mm_and_si128(wHi, low5), 6), _mm_and_si128(nHi, low6));
    __m128i vLo = _mm_or_si128(_mm_and_si128(lLo, pLo), _mm_andnot_si128(lLo, wLo));
    __m128i vHi = _mm_or_si128(_mm_and_si128(lHi, pHi), _mm_andnot_si128(lHi, wHi));
    uint32_t kLo = keep & 0xFF, kHi = keep >> 8;
    _mm_storeu_si128((__m128i *)dst, _mm_shuffle_epi8(vLo, _mm_loadu_si128((const __m128i *)pack_lanes[kLo])));
    int32_t nLoUnits = __builtin_popcount(kLo);
    _mm_storeu_si128((__m128i *)(dst + nLoUnits), _mm_shuffle_epi8(vHi, _mm_loadu_si128((const __m128i *)pack_lanes[kHi])));
    return nLoUnits + __builtin_popcount(kHi);
}
#endif

static inline __attribute__((always_inline)) int32_t utf8_to_utf16(const uint8_t *src, int32_t srcLength, uint16_t *dst,
                                                                    int32_t lossy, int32_t *errorOffset,
                                                                    int32_t *supplementary, const int blocks) {
    int32_t i = 0, j = 0;
    *supplementary = 0;
    while (i < srcLength) {
#if defined(__x86_64__)
        if (blocks && i + 16 <= srcLength) {
            int32_t consumed;
            int32_t n = decode_block16(src + i, dst + j, &consumed);
            if (n >= 0) {
                i += consumed;
                j += n;
                continue;
            }
        }
#else
        (void)blocks;
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        // Eight bytes at once: the ASCII bytes they start with, or the two-byte sequences (C2-DF
        // then a continuation byte: all of Arabic) they start with, are converted together, most
        // of a news text at a third of the cost of a byte at a time. All eight units (or four) are
        // written, which the output has room for (a unit per input byte), and only the ones read
        // are kept. Anything else goes through the general steps below.
        if (i + 8 <= srcLength) {
            uint64_t w;
            memcpy(&w, src + i, 8);
            uint64_t high = w & 0x8080808080808080ULL;
            if (!(high & 0x80)) {
                int ascii = high ? __builtin_ctzll(high) >> 3 : 8;
                for (int k = 0; k < 8; k++) dst[j + k] = src[i + k];
                i += ascii;
                j += ascii;
                continue;
            }
            // A 16-bit lane is a two-byte sequence when its lead is 110xxxxx with bits 1-4 not all
            // zero (C0 and C1 are overlong) and its second byte is 10xxxxxx.
            uint64_t x = (w & 0xC0E0C0E0C0E0C0E0ULL) ^ 0x80C080C080C080C0ULL;
            uint64_t wrong = (((x & 0x7FFF7FFF7FFF7FFFULL) + 0x7FFF7FFF7FFF7FFFULL) | x) & 0x8000800080008000ULL;
            uint64_t lead = ((w & 0x001E001E001E001EULL) + 0x7FFF7FFF7FFF7FFFULL) & 0x8000800080008000ULL;
            uint64_t bad = (wrong | ~lead) & 0x8000800080008000ULL;
            int pairs = bad ? __builtin_ctzll(bad) >> 4 : 4;
            if (pairs > 0) {
                for (int k = 0; k < 4; k++)
                    dst[j + k] = (uint16_t)(((src[i + 2 * k] & 0x1F) << 6) | (src[i + 2 * k + 1] & 0x3F));
                i += 2 * pairs;
                j += pairs;
                continue;
            }
        }
#endif
        uint8_t b = src[i];
        if (b < 0x80) { dst[j++] = b; i++; continue; }
        // Two bytes (all of Arabic): what U8_NEXT decodes, without its general case.
        if (b >= 0xC2 && b < 0xE0 && i + 1 < srcLength && (src[i + 1] & 0xC0) == 0x80) {
            dst[j++] = (uint16_t)(((b & 0x1F) << 6) | (src[i + 1] & 0x3F));
            i += 2;
            continue;
        }
        int32_t at = i;
        UChar32 c;
        U8_NEXT(src, i, srcLength, c);
        if (c < 0) {
            if (!lossy) { *errorOffset = at; return -1; }
            c = 0xFFFD;
        }
        // The only place a surrogate can be written: U8_NEXT refuses encoded surrogates.
        if (c > 0xFFFF) *supplementary = 1;
        U16_APPEND_UNSAFE(dst, j, c);
    }
    return j;
}

#if defined(__x86_64__)
__attribute__((target("ssse3"))) static int32_t utf8_to_utf16_ssse3(const uint8_t *src, int32_t srcLength, uint16_t *dst,
                                                                    int32_t lossy, int32_t *errorOffset, int32_t *supplementary) {
    return utf8_to_utf16(src, srcLength, dst, lossy, errorOffset, supplementary, 1);
}
#endif

int32_t wasim_utf8_to_utf16(const uint8_t *src, int32_t srcLength, uint16_t *dst, int32_t lossy,
                            int32_t *errorOffset, int32_t *supplementary) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("ssse3")) return utf8_to_utf16_ssse3(src, srcLength, dst, lossy, errorOffset, supplementary);
#endif
    return utf8_to_utf16(src, srcLength, dst, lossy, errorOffset, supplementary, 0);
}

int32_t wasim_nfkc(const uint16_t *src, int32_t length, uint16_t *dst, int32_t capacity) {
    UErrorCode status = U_ZERO_ERROR;
    const UNormalizer2 *nfkc = unorm2_getNFKCInstance(&status);
    if (U_FAILURE(status)) return -1;
    int32_t n = unorm2_normalize(nfkc, (const UChar *)src, length, (UChar *)dst, capacity, &status);
    return U_FAILURE(status) ? -1 : n;
}

struct wasim_regex {
    URegularExpression *re;
};

wasim_regex *wasim_regex_open(const uint16_t *pattern, int32_t length, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    UParseError parse;
    URegularExpression *re = uregex_open((const UChar *)pattern, length, 0, &parse, &status);
    if (U_FAILURE(status)) { *error = status; return NULL; }
    wasim_regex *r = malloc(sizeof *r);
    if (!r) { uregex_close(re); *error = U_MEMORY_ALLOCATION_ERROR; return NULL; }
    r->re = re;
    return r;
}

wasim_regex *wasim_regex_clone(const wasim_regex *regex, int32_t *error) {
    UErrorCode status = U_ZERO_ERROR;
    URegularExpression *re = uregex_clone(regex->re, &status);
    if (U_FAILURE(status)) { *error = status; return NULL; }
    wasim_regex *r = malloc(sizeof *r);
    if (!r) { uregex_close(re); *error = U_MEMORY_ALLOCATION_ERROR; return NULL; }
    r->re = re;
    return r;
}

void wasim_regex_close(wasim_regex *regex) {
    if (!regex) return;
    uregex_close(regex->re);
    free(regex);
}

int32_t wasim_regex_find(wasim_regex *regex, const uint16_t *text, int32_t length, int32_t timeLimit) {
    UErrorCode status = U_ZERO_ERROR;
    uregex_setTimeLimit(regex->re, timeLimit, &status);
    uregex_setText(regex->re, (const UChar *)text, length, &status);
    UBool found = U_SUCCESS(status) ? uregex_find(regex->re, 0, &status) : 0;
    // The text is the caller's: forget it before it goes.
    UErrorCode reset = U_ZERO_ERROR;
    static const UChar none[1] = {0};
    uregex_setText(regex->re, none, 0, &reset);
    if (status == U_REGEX_TIME_OUT || status == U_REGEX_STACK_OVERFLOW) return -1;
    if (U_FAILURE(status)) return -2;
    return found ? 1 : 0;
}

const char *wasim_icu_version(void) {
    static char text[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo version;
    u_getVersion(version);
    u_versionToString(version, text);
    return text;
}
