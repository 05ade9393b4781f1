#include <unicode/utypes.h>
#include <unicode/ubrk.h>
#include <unicode/unorm2.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>
