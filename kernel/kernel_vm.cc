// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/kernel_vm.h"

#include <cerrno>
#include <tuple>

#include <fmt/format.h>

#include "kernel/kernel_call.h"

namespace ptx::kernel {

using armtrace::Event;
using armtrace::EventKind;

namespace {

constexpr uint64_t kArenaBase = uint64_t{1} << 47;  // table pages: above every guest output address
constexpr ptx_k_src kSetup{"kernel_vm.cc", 1};      // the VM's setup events (vcpu_load)

}  // namespace

KernelVm::KernelVm(const KernelEngine& engine, const VmOptions& options) : engine_(engine), options_(options) {}

StatusOr<std::unique_ptr<KernelVm>> KernelVm::create(const KernelEngine& engine, const VmOptions& options) {
  if (options.vmid < 1 || options.vmid > 255) return bad_input("vmid {}: a kernel engine's VMs are 1..255", options.vmid);
  if (options.vcpus < 1 || options.vcpus > armtrace::kMaxTid + 1) {
    return bad_input("--vcpus {}: a VM has 1..{} vCPUs (casemate traces name CPUs 0..{})", options.vcpus,
                     armtrace::kMaxTid + 1, armtrace::kMaxTid);
  }
  std::unique_ptr<KernelVm> vm(new KernelVm(engine, options));
  vm->lock_ = 0x7f0000000000 + uint64_t{options.vmid} * 0x100;  // kvm->mmu_lock's identity
  vm->arena_ = std::make_unique<TableArena>(kArenaBase + (uint64_t{options.vmid} << 36), options.arena_pages);
  vm->recorder_ = std::make_unique<KernelRecorder>(vm->arena_.get(), vm->lock_, options.record_reads);
  KernelRecorder::bind_thread(0);
  const ptx_k_vm_config cfg{options.vmid, 48, options.features, options.vcpus};
  int err = 0;
  vm->vm_ = engine.table->vm_create(vm->recorder_->hooks(), &cfg, &err);
  if (vm->vm_ == nullptr) {
    if (err == -ENOMEM) return bad_input("{}: no table page for VM {}'s PGD", engine.name, options.vmid);
    return internal_error("{}: vm_create failed ({})", engine.name, err);
  }
  vm->root_ = engine.table->vm_root(vm->vm_);
  vm->vtcr_ = engine.table->vm_vtcr(vm->vm_);
  for (uint32_t t = 0; t < options.vcpus; ++t) {
    KernelRecorder::bind_thread(t);
    Event e;
    e.kind = EventKind::kSysregWrite;
    e.tid = t;
    e.src = "kernel_vm.cc:1";
    e.sysreg = armtrace::Sysreg::kVtcrEl2;
    e.value = vm->vtcr_;
    vm->recorder_->add(e);
    if (t == 0) {
      Event h = e;
      h.kind = EventKind::kHint;
      h.hint_kind = armtrace::HintKind::kSetRootLock;
      h.location = vm->root_;
      h.value = vm->lock_;
      vm->recorder_->add(h);
    }
    const ptx_k_hooks* hooks = vm->recorder_->hooks();
    hooks->load_vttbr(hooks->self, vm->root_ | uint64_t{options.vmid} << 48, kSetup);
  }
  return vm;
}

KernelVm::~KernelVm() {
  if (vm_ != nullptr) {
    KernelRecorder::bind_thread(0);
    recorder_->poll_rcu(true);
    engine_.table->vm_destroy(vm_);
  }
}

Status KernelVm::check_op(const workload::WorkloadOp& op) const {
  using workload::OpType;
  if (op.type == OpType::kDsb || op.type == OpType::kTlbi) {
    return bad_input("{} issues its own TLB maintenance: tlbi and dsb lines are for the SeKVM engines", engine_.name);
  }
  const uint32_t kind = call_kind_of(op.type);
  if ((engine_.table->calls >> kind & 1) == 0) {
    return bad_input("{} (Linux {}) has no call for {}: {}", engine_.name, engine_.version,
                     enum_name(workload::kOpTypeNames, op.type), "kvm_pgtable_stage2_split came in Linux 6.5");
  }
  return ok_status();
}

// The op's calls (a remap: the notifier's unmap, then the fault), applied to dispatched_.
std::vector<VmOp> KernelVm::translate(const workload::WorkloadOp& op) {
  std::vector<VmOp> out;
  for (const ptx_k_call& c : calls_of(op, dispatched_.leaf_at(op.ipa), logging_)) {
    VmOp v;
    v.op = op;
    v.call = c;
    footprint(v);
    const std::optional<RefLeaf> leaf = dispatched_.leaf_at(c.ipa);
    const bool perm = c.kind == PTX_K_FAULT && leaf && leaf->size == c.size;
    apply_call(dispatched_, c, perm, engine_.table->ages_ranges != 0);
    if (c.kind == PTX_K_WRPROTECT) logging_.emplace_back(c.ipa, c.ipa + c.size);
    out.push_back(v);
  }
  return out;
}

// The IPAs the call may change: its range, widened to the leaves it meets.
void KernelVm::footprint(VmOp& v) const {
  const ptx_k_call& c = v.call;
  const uint64_t size = c.kind == PTX_K_ACCESS ? TableArena::kPage : c.size;
  v.begin = c.ipa & ~(size - 1);
  v.end = v.begin + size;
  std::tie(v.begin, v.end) = dispatched_.widen(v.begin, v.end);
}

}  // namespace ptx::kernel
