// SPDX-License-Identifier: BSD-2-Clause
// Whether this test binary runs under a sanitizer, for the tests that scale their work or their
// bounds to it. CI runs the suite under ASan+UBSan (clang, with libFuzzer's coverage
// instrumentation) and its threaded tests under TSan; the exactness of the explorer is proven by
// the full case counts of the Release run (the README's test command), while the sanitizer runs
// look for memory and thread errors, which a fraction of the cases reaches as well.
#ifndef PTX_TESTS_SUPPORT_SANITIZED_H_
#define PTX_TESTS_SUPPORT_SANITIZED_H_

namespace ptx::test {

// gcc defines __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__; clang answers __has_feature.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

// How many of `release_cases` random cases a test runs: all of them in Release, a sixteenth
// (at least one) under a sanitizer, whose instrumented code runs 3-20x slower.
constexpr int sanitized_cases(int release_cases) {
  return kSanitized ? (release_cases / 16 > 0 ? release_cases / 16 : 1) : release_cases;
}

}  // namespace ptx::test

#endif  // PTX_TESTS_SUPPORT_SANITIZED_H_
