/*
 * libhbdnn_sim.so: a strict simulator of the RDK X5 BPU runtime's C API (libdnn 1.23/1.24), so the
 * BPU backend runs unchanged off the board. It exports the libdnn symbols the backend uses
 * (hbDNNInitializeFromFiles, hbDNNRelease, hbDNNGetModelNameList, hbDNNGetModelHandle,
 * hbDNNGet{Input,Output}{Count,Name,TensorProperties}, hbDNNInfer, hbDNNWaitTaskDone,
 * hbDNNReleaseTask, hbDNNSetTaskDoneCb, hbDNNGetVersion, hbDNNGetErrorDesc, hbSysAllocMem,
 * hbSysAllocCachedMem, hbSysFlushMem, hbSysFreeMem) with the X5 struct layouts, plus the sim-only
 * functions below. "Model files" are JSON descriptions (see native/bpu_sim/README.md).
 *
 * What it enforces (each violation is counted in hbSimAccounting and reported on stderr):
 *  - cached memory has a CPU view (virAddr) and a device copy: the device sees CPU writes only
 *    after hbSysFlushMem(CLEAN); the CPU sees device writes only after hbSysFlushMem(INVALIDATE);
 *  - at most 32 live (unreleased) tasks: the 33rd hbDNNInfer fails with HB_DNN_TASK_NUM_EXCEED_LIMIT;
 *  - tensors whose memory is smaller than the model's alignedByteSize, memory not obtained from
 *    hbSysAlloc*, freed memory, released tasks and released models are refused;
 *  - at the last hbDNNRelease and at unload, unreleased tasks and unfreed memory are reported.
 * Tasks run one at a time on ONE simulated core (a thread with a FIFO) for the modelled time.
 */
#ifndef MNV4_HB_SIM_H_
#define MNV4_HB_SIM_H_

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hbSimAccounting {
  int64_t live_tasks;              /* submitted and not yet hbDNNReleaseTask'd */
  int64_t live_mem_blocks;         /* hbSysAlloc* not yet hbSysFreeMem'd */
  int64_t live_mem_bytes;
  int64_t loaded_models;           /* models of packed handles not yet hbDNNRelease'd */
  int64_t mem_allocations;         /* successful hbSysAlloc* calls since the counters were reset */
  int64_t tasks_submitted;         /* hbDNNInfer calls that created a task */
  int64_t tasks_completed;         /* tasks the core finished (success or injected failure) */
  int64_t tasks_failed;            /* tasks that completed with an injected error */
  int64_t tasks_cancelled;         /* released before the core finished them */
  int64_t infer_rejected;          /* hbDNNInfer calls that returned an error */
  int64_t wait_timeouts;           /* hbDNNWaitTaskDone calls that returned HB_DNN_TIMEOUT */
  int64_t faults_injected;
  int64_t stale_input_submits;     /* input CPU view differed from the device copy at hbDNNInfer (no CLEAN) */
  int64_t uninvalidated_outputs;   /* output reused while the last device write was never INVALIDATEd */
  int64_t api_misuse;              /* calls refused for misuse (bad handle, freed memory, wrong size...) */
  int64_t leaked_tasks_reported;   /* unreleased tasks found at hbDNNRelease / unload */
  int64_t leaked_mem_blocks_reported; /* unfreed memory blocks found at the last hbDNNRelease / unload */
  int64_t core_busy_ns;            /* modelled core time spent */
  int64_t max_live_tasks;
  int64_t max_queue_depth;         /* tasks waiting for the core, high-water mark */
} hbSimAccounting;

int32_t hbSimGetAccounting(hbSimAccounting *out);

/* The accounting (plus per-model timing) as a JSON object into buffer (NUL-terminated when it
 * fits). Returns the length of the JSON without the NUL; call again with a larger buffer when the
 * return value >= capacity. */
int32_t hbSimGetAccountingJson(char *buffer, uint32_t capacity);

/* Resets the cumulative counters (not the live ones) to zero. */
int32_t hbSimResetCounters(void);

typedef enum hbSimFaultKind {
  HB_SIM_FAULT_INFER = 1,   /* hbDNNInfer returns `code`, no task is created */
  HB_SIM_FAULT_WAIT = 2,    /* the task completes with `code`; hbDNNWaitTaskDone returns it */
  HB_SIM_FAULT_TIMEOUT = 3, /* the task occupies the core `extraMs` longer (a wait with a shorter timeout times out) */
  HB_SIM_FAULT_ALLOC = 4    /* hbSysAlloc*Mem returns `code` (HB_SYS_OUT_OF_MEMORY when 0) */
} hbSimFaultKind;

/* Arms a fault for the nth call from now (nth = 1: the next call) of hbDNNInfer (kinds INFER,
 * WAIT, TIMEOUT) or hbSysAlloc*Mem (ALLOC); it fires `count` consecutive times (>= 1). Returns 0,
 * or HB_DNN_INVALID_ARGUMENT for a bad kind/nth/count. */
int32_t hbSimSetFault(int32_t kind, int32_t nth, int32_t code, int32_t extraMs, int32_t count);
int32_t hbSimClearFaults(void);

/* The logits a correct client reads for the given NV12 bytes on the model `dnnHandle`: the
 * simulator's deterministic function of those bytes, quantised as the model's output declares and
 * dequantised again ((q - zp) * scale or q / (1 << shift)). `size` must be >= the model's input
 * alignedByteSize; count must equal the model's class count. Returns 0 or an HB_DNN_* error. */
int32_t hbSimExpectedLogits(void *dnnHandle, const uint8_t *nv12, uint32_t size, float *out, int32_t count);

/* The modelled timing of a model, in milliseconds: core time per task (one core, one task at a
 * time: the ideal throughput is 1000 / coreMs tasks per second) and the CPU/driver time in the
 * caller's thread before submission and after completion (overlaps other tasks' core time). */
int32_t hbSimGetTiming(void *dnnHandle, double *coreMs, double *submitOverheadMs, double *completeOverheadMs);

#ifdef __cplusplus
}
#endif

#endif /* MNV4_HB_SIM_H_ */
