// SPDX-License-Identifier: BSD-2-Clause
// Drawing a bad interleaving: a Graphviz DOT picture of one violation of the Transactional Page
// Table condition.
//
// The picture has three walks of the violating IPA side by side — in the state before the critical
// section, in the state the witness produces (the third mapping), and in the state after it — each
// a chain of the entries the walk reads (level, PGD/PUD/PMD/PTE, entry address, value), ending in
// the mapping it returns; below them the section's updates in program order, the witness's writes
// in red, numbered in the order update_npt applies them. Entries whose value differs from the
// before-state are drawn in bold.
#ifndef PTX_TOOLS_DRAW_INTERLEAVING_DOT_H_
#define PTX_TOOLS_DRAW_INTERLEAVING_DOT_H_

#include <cstdint>
#include <span>
#include <string>

#include "base/status.h"
#include "explorer/exploration.h"
#include "explorer/tables.h"
#include "pagetable/npt_image.h"
#include "pagetable/update.h"

namespace ptx {

// DOT source for `v`, a violation explore() found for `updates` made on `before` with `compare`.
// `title` heads the picture (e.g. "vm 3, section 17"). `before` is the state before the section,
// walked as the exploration walked it (its root and geometry). The observed state is `before` with
// the updates of the violation's earlier barrier epochs (updates[0, v.epoch_start)) and then the
// witness applied. REQUIRES: v.witness indexes and v.epoch_start <= updates.size().
std::string interleaving_dot(const Tables& before, std::span<const Update> updates, const Violation& v,
                             CompareMode compare, const std::string& title);

// Runs Graphviz `dot -T<format>` on `dot_source` (no shell: posix_spawnp with the source on stdin
// from an unlinked temporary file and the picture read back from a pipe) and returns the rendered
// bytes; the caller writes them (atomically). `format` is e.g. "svg" or "png".
// Errors: kUnsupported "Graphviz dot is not installed (apt-get install -y graphviz)" when `dot`
// cannot be started; kBadInput "Graphviz dot failed with status N" when it rejects the source or
// the format; kIoError when the temporary file or the pipe fails.
StatusOr<std::string> render_dot(const std::string& dot_source, const std::string& format);

}  // namespace ptx

#endif  // PTX_TOOLS_DRAW_INTERLEAVING_DOT_H_
