// wasim-icu-floor: the floor Wasim's whole-process speed is measured against. A plain C program
// that does the least any ICU-based tagger must do: walk the folders, read every *.txt file,
// convert it to UTF-16 with ICU and run ICU's word break iterator (locale "ar") over it,
// counting tokens as Wasim does (white space and format characters are not tokens). Nothing
// is kept or written. Compare it with `wasim tag --jobs 1` on the same folders:
//   hyperfine 'wasim-icu-floor DIR' 'wasim tag --jobs 1 --quiet DIR > /dev/null'
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

static UBreakIterator *words;
static char *bytes;
static size_t byteCapacity;
static UChar *units;
static int32_t unitCapacity;
static long long files, tokens, totalBytes, failures;

static int is_token(const UChar *text, int32_t start, int32_t end) {
    if (ubrk_getRuleStatus(words) >= UBRK_WORD_NUMBER) return 1;
    int32_t i = start;
    while (i < end) {
        UChar32 c;
        U16_NEXT(text, i, end, c);
        if (!(u_isUWhiteSpace(c) || u_charType(c) == U_FORMAT_CHAR || u_charType(c) == U_CONTROL_CHAR)) return 1;
    }
    return 0;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)ftw;
    size_t n = strlen(path);
    if (type != FTW_F || n < 4 || strcmp(path + n - 4, ".txt") != 0) return 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) { failures++; return 0; }
    size_t size = (size_t)st->st_size;
    if (size + 1 > byteCapacity) {
        byteCapacity = size + 1;
        bytes = realloc(bytes, byteCapacity);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, bytes + got, size - got);
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    const char *start = bytes;
    if (got >= 3 && (unsigned char)bytes[0] == 0xEF && (unsigned char)bytes[1] == 0xBB && (unsigned char)bytes[2] == 0xBF) {
        start += 3;
        got -= 3;
    }
    if ((int32_t)got + 1 > unitCapacity) {
        unitCapacity = (int32_t)got + 1;
        units = realloc(units, sizeof(UChar) * (size_t)unitCapacity);
    }
    UErrorCode status = U_ZERO_ERROR;
    int32_t length = 0;
    u_strFromUTF8(units, unitCapacity, &length, start, (int32_t)got, &status);
    if (U_FAILURE(status)) { failures++; return 0; }
    ubrk_setText(words, units, length, &status);
    if (U_FAILURE(status)) { failures++; return 0; }
    int32_t from = 0, to;
    while ((to = ubrk_next(words)) != UBRK_DONE) {
        tokens += is_token(units, from, to);
        from = to;
    }
    files++;
    totalBytes += (long long)size;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: wasim-icu-floor DIR...\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    UErrorCode status = U_ZERO_ERROR;
    words = ubrk_open(UBRK_WORD, "ar", NULL, 0, &status);
    if (U_FAILURE(status)) {
        fprintf(stderr, "wasim-icu-floor: cannot open ICU's word break iterator (%s)\n", u_errorName(status));
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        if (nftw(argv[i], visit, 32, FTW_PHYS) != 0) {
            fprintf(stderr, "wasim-icu-floor: cannot walk %s\n", argv[i]);
            return 1;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%lld files (%lld unreadable), %lld tokens, %.1f MB, %.3f s, %.2fM tokens/s, %.1f MB/s\n", files, failures,
           tokens, (double)totalBytes / 1e6, seconds, (double)tokens / seconds / 1e6, (double)totalBytes / seconds / 1e6);
    ubrk_close(words);
    return failures ? 1 : 0;
}
