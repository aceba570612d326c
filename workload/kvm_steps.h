// SPDX-License-Identifier: BSD-2-Clause
// with_kvm_steps: a workload (the qemu-virt preset) continued, per VM, with what a KVM host goes on
// to do with a guest's memory once it has booted — the paths only Linux's KVM has, which the kernel
// engines run (kernel/kernel_vm.h) and the SeKVM engines refuse:
//   1. transparent huge pages: a 2 MiB region the guest faulted in page by page, whose pages are one
//      host huge page (their outputs are contiguous), refaulted as one 2 MiB block: the code replaces
//      the table, pages and all, by the block (kvm_pgtable_stage2_map's TABLE_PRE path);
//   2. a 1 GiB DIMM backed by hugetlbfs, right above RAM: mapped as one level-1 block, aged, and
//      unplugged;
//   3. dirty logging on three 2 MiB regions (a block and two page regions): write protection of the
//      range, eager page splitting of its blocks (where the engine has it: `split`), then write
//      faults on eight of its pages (a permission fault relaxes a page; one inside a block
//      replaces the block by a table), then logging off and the first region refaulted as a block;
//   4. aging: the MMU notifier's clear-young over two regions, then access faults on four pages.
// The regions are the first suitable ones of each VM in IPA order, so the steps are deterministic.
// Each step op is a section of its own; their lines follow the base workload's, VM by VM (VM v's
// steps at total_ops() of the base + 64 * (v - 1) + k).
#ifndef PTX_WORKLOAD_KVM_STEPS_H_
#define PTX_WORKLOAD_KVM_STEPS_H_

#include <memory>

#include "workload/workload_stream.h"

namespace ptx::workload {

struct KvmStepsOptions {
  bool split = true;  // the engine has eager page splitting (Linux 6.5+)
};

// `base` continued with the steps above. total_ops() counts them too.
std::unique_ptr<WorkloadStream> with_kvm_steps(std::unique_ptr<WorkloadStream> base, KvmStepsOptions options);

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_KVM_STEPS_H_
