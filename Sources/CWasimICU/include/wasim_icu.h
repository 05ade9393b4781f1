// The only door to ICU. Nothing here names an ICU type: Swift modules that import this header
// also import Foundation, which bundles its own ICU with clashing type definitions.
#ifndef WASIM_ICU_H
#define WASIM_ICU_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Token kinds as the segmenter classifies them (from ICU's word-break rule status).
enum {
    WASIM_TOKEN_WORD = 0,
    WASIM_TOKEN_NUMBER = 1,
    WASIM_TOKEN_PUNCTUATION = 2,
    WASIM_TOKEN_SYMBOL = 3,
};

typedef struct wasim_segmenter wasim_segmenter;

/// Opens word and sentence break iterators for `locale` (e.g. "ar"). Returns NULL and sets
/// `*error` to the ICU error code on failure.
wasim_segmenter *wasim_segmenter_open(const char *locale, int32_t *error);
void wasim_segmenter_close(wasim_segmenter *segmenter);

/// Points both iterators at `text`, which must stay alive and unchanged while iterating.
/// Returns 0, or an ICU error code.
int32_t wasim_segmenter_set_text(wasim_segmenter *segmenter, const uint16_t *text, int32_t length);

/// Writes up to `capacity` tokens (UTF-16 offsets, end exclusive, and a WASIM_TOKEN_* kind),
/// skipping white space and invisible format characters. Returns how many; 0 when done.
int32_t wasim_segmenter_next_tokens(wasim_segmenter *segmenter, int32_t *starts, int32_t *ends,
                                    uint8_t *kinds, int32_t capacity);

/// The tokens ICU's word break iterator alone gives over the whole of `text`, as
/// `wasim_segmenter_next_tokens` writes them (for tests: it must give the same, though it reads
/// most words without ICU). Returns how many, or -1 on an ICU error or if there are more than `capacity`.
int32_t wasim_segmenter_icu_tokens(wasim_segmenter *segmenter, const uint16_t *text, int32_t length, int32_t *starts,
                                   int32_t *ends, uint8_t *kinds, int32_t capacity);

/// Writes up to `capacity` sentence end offsets. Returns how many; 0 when done.
int32_t wasim_segmenter_next_sentences(wasim_segmenter *segmenter, int32_t *ends, int32_t capacity);

/// ICU's sentence ends over the whole of `text`, as ICU's iterator gives them with no run of
/// letters shortened (for tests: `wasim_segmenter_next_sentences` must give the same). Returns
/// how many, or -1 on an ICU error or if there are more than `capacity`.
int32_t wasim_segmenter_icu_sentences(wasim_segmenter *segmenter, const uint16_t *text, int32_t length,
                                      int32_t *ends, int32_t capacity);

/// Runs the word break iterator alone over `text` and counts its tokens as
/// `wasim_segmenter_next_tokens` would (white space and format characters not counted), with no
/// token written anywhere: the floor of segmentation, which `wasim-bench` measures against.
/// Returns -1 on an ICU error.
int64_t wasim_segmenter_count_words(wasim_segmenter *segmenter, const uint16_t *text, int32_t length);

/// Decodes UTF-8 into UTF-16 (`dst` needs `srcLength` units). Returns the UTF-16 length, or -1
/// with `*errorOffset` set to the byte offset of the first ill-formed sequence. With `lossy`,
/// ill-formed sequences become U+FFFD instead (maximal subparts, as Unicode recommends).
/// `*supplementary` is set to 1 if a code point outside the BMP was written (the output then
/// holds surrogate pairs), else 0.
int32_t wasim_utf8_to_utf16(const uint8_t *src, int32_t srcLength, uint16_t *dst, int32_t lossy,
                            int32_t *errorOffset, int32_t *supplementary);

/// NFKC-normalizes `src` into `dst`. Returns the length written, or -1 if it did not fit or failed.
int32_t wasim_nfkc(const uint16_t *src, int32_t length, uint16_t *dst, int32_t capacity);

typedef struct wasim_regex wasim_regex;

/// Compiles a regular expression. Returns NULL and sets `*error` to the ICU error code on failure.
wasim_regex *wasim_regex_open(const uint16_t *pattern, int32_t length, int32_t *error);
/// A copy for another thread: a compiled expression holds its matcher's state.
wasim_regex *wasim_regex_clone(const wasim_regex *regex, int32_t *error);
void wasim_regex_close(wasim_regex *regex);

/// Whether `regex` finds a match anywhere in `text`: 1 yes, 0 no, -1 the match gave up after
/// `timeLimit` of ICU's time units (about 10,000 steps of its engine each) or on its stack limit,
/// -2 another ICU error. The text need live only during the call.
int32_t wasim_regex_find(wasim_regex *regex, const uint16_t *text, int32_t length, int32_t timeLimit);

/// Asks the processor to bring the cache line at `address` in ahead of a read (no effect on
/// what the program computes). Inline: a call would cost more than the hint saves.
static inline void wasim_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }

/// The ICU version, e.g. "72.1".
const char *wasim_icu_version(void);

#ifdef __cplusplus
}
#endif

#endif
