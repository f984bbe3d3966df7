/*
 * A test double of NVIDIA's libnvidia-ml.so.1, compiled against NVIDIA's own nvml.h so every structure the
 * binding reads has NVIDIA's layout, not ours. It serves scripted GPUs, processes and faults.
 *
 * Build variants (one source):
 *   default            every symbol the binding may use
 *   -DFAKE_NO_V3       an R470-era library: no _v3 process functions, GPM, MemoryInfo_v2, PciInfo_v3,
 *                      or ClocksEventReasons
 *   -DFAKE_NO_V2_PROCS additionally no _v2 process functions (only the unversioned v1 ones, as R450 and older)
 *
 * Configuration: FAKE_NVML_SCRIPT=<file> at load, or fakeNvmlScript()/fakeNvmlApply() at run time.
 * FAKE_NVML_TRAP=sym1,sym2 makes those symbols abort the process when called (proves the binding never calls them).
 * FAKE_NVML_CALL_COST=syscall makes every query cross into the kernel once, as the real driver's ioctl does.
 *
 * Script lines (one command each; '#' starts a comment):
 *   reset                                   forget everything
 *   driver 535.261.03 | nvml 12.535.261.03 | cuda 12020 | init <rc> | stride_v3 <24|32>
 *   gpu <i> key=value ...                   create or change GPU i (keys: see KEYS below); an unset field is NOT_SUPPORTED
 *   gpu <i> fail.<query>=<rc>               make one query of GPU i return rc (0 restores it)
 *   gpu <i> lost=<rc>                       every query of GPU i returns rc (15 GPU_IS_LOST, 999 UNKNOWN, 0 back)
 *   proc <i> pid=.. kind=compute|graphics mem=.. gi=.. ci=.. sm=.. memutil=.. enc=.. dec=.. ts=.. late=0|1
 *   procs <i> clear
 *   mig <i> <j> gi=.. ci=.. uuid=.. name=.. mem_total=.. mem_used=.. mem_free=..
 * Values with spaces use '_' for ' ' in name= (e.g. name=NVIDIA_H100).
 */
#define _GNU_SOURCE
/* Declare every version of each function under its own name: the double exports old and new symbols side by side. */
#define NVML_NO_UNVERSIONED_FUNC_DEFS
#include <nvml.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <unistd.h>
#include <sys/syscall.h>

#define MAX_GPUS 16
#define MAX_MIG 8
#define MAX_PROCS 512
#define MAX_SYMS 128

enum query {
    Q_NAME, Q_UUID, Q_SERIAL, Q_PCI, Q_UTIL, Q_POWER, Q_POWER_LIMIT, Q_POWER_MGMT_LIMIT, Q_ENERGY, Q_TEMP,
    Q_CLOCK_SM, Q_CLOCK_MEM, Q_MAXCLOCK_SM, Q_MAXCLOCK_MEM, Q_MEMORY, Q_THROTTLE, Q_FAN, Q_PSTATE,
    Q_PROCS_COMPUTE, Q_PROCS_GRAPHICS, Q_PROC_UTIL, Q_MIG, Q_PCIE_TX, Q_PCIE_RX, Q_INSTANT_POWER, Q_GPM, Q_COUNT
};
static const char *query_names[Q_COUNT] = {
    "name", "uuid", "serial", "pci", "util", "power", "power_limit", "power_mgmt_limit", "energy", "temp",
    "clock_sm", "clock_mem", "maxclock_sm", "maxclock_mem", "memory", "throttle", "fan", "pstate",
    "procs_compute", "procs_graphics", "proc_util", "mig", "pcie_tx", "pcie_rx", "instant_power", "gpm"
};

typedef struct {
    unsigned int pid, gi, ci, sm, memutil, enc, dec, graphics, late, has_util;
    unsigned long long mem, ts;
} fake_proc;

struct nvmlDevice_st {
    int used, is_mig, lost;
    struct nvmlDevice_st *parent;
    char name[96], uuid[96], serial[32], bus_id[32];
    unsigned int pci_domain, pci_bus, pci_device, pci_device_id, pci_subsys;
    unsigned int util_gpu, util_mem, power_mw, power_limit_mw, power_mgmt_limit_mw, temp_c;
    unsigned int sm_clock, mem_clock, sm_clock_max, mem_clock_max, fan, pstate, mig_current, mig_pending;
    unsigned int pcie_tx, pcie_rx, instant_power_mw, gi, ci;
    unsigned long long energy_mj, mem_total, mem_used, mem_free, mem_reserved, throttle;
    int rc[Q_COUNT];
    double gpm[NVML_GPM_METRIC_MAX];
    int gpm_set[NVML_GPM_METRIC_MAX];
    fake_proc procs[MAX_PROCS];
    int nprocs;
    struct nvmlDevice_st *mig[MAX_MIG];
};

struct nvmlGpmSample_st { struct nvmlDevice_st *dev; int taken; double vals[NVML_GPM_METRIC_MAX]; int set[NVML_GPM_METRIC_MAX]; };

/* Early R535 drivers (535.43 .. 535.5x) filled _v3 process lists with this larger element, same function names. */
typedef struct { nvmlProcessInfo_t base; unsigned long long usedGpuCcProtectedMemory; } r535_early_process_info_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct nvmlDevice_st gpus[MAX_GPUS];
static struct nvmlDevice_st migs[MAX_GPUS][MAX_MIG];
static int gpu_count;
static int init_rc, init_refs, stride_v3 = 24, kernel_crossing;
static char driver_version[80] = "535.261.03", nvml_version[80] = "12.535.261.03";
static int cuda_version = 12020;
static const char *sym_names[MAX_SYMS];
static long long sym_calls[MAX_SYMS];
static int sym_trapped[MAX_SYMS];
static int nsyms;
static char trap_list[4096];

static int sym_index(const char *name) {
    for (int i = 0; i < nsyms; i++) if (strcmp(sym_names[i], name) == 0) return i;
    if (nsyms == MAX_SYMS) abort();
    sym_names[nsyms] = name;
    char pattern[160];
    snprintf(pattern, sizeof pattern, ",%s,", name);
    sym_trapped[nsyms] = strstr(trap_list, pattern) != NULL;
    return nsyms++;
}

static void trapped_call(const char *name) {
    fprintf(stderr, "fake-nvml: unexpected call to %s\n", name);
    fflush(stderr);
    abort();
}

/* Every exported NVML function starts here: counts the call, aborts if the symbol is trapped. */
#define ENTER() \
    static int sym_ = -1; \
    pthread_mutex_lock(&lock); \
    if (sym_ < 0) sym_ = sym_index(__func__); \
    sym_calls[sym_]++; \
    if (sym_trapped[sym_]) trapped_call(__func__); \
    if (kernel_crossing) syscall(SYS_getppid)
#define LEAVE(rc) do { nvmlReturn_t r_ = (rc); pthread_mutex_unlock(&lock); return r_; } while (0)

static void reset_device(struct nvmlDevice_st *d) {
    memset(d, 0, sizeof *d);
    for (int q = 0; q < Q_COUNT; q++) d->rc[q] = NVML_ERROR_NOT_SUPPORTED;
    d->rc[Q_PROCS_COMPUTE] = d->rc[Q_PROCS_GRAPHICS] = NVML_SUCCESS;
    d->rc[Q_PROC_UTIL] = NVML_SUCCESS;
}

static void reset_all(void) {
    for (int i = 0; i < MAX_GPUS; i++) { reset_device(&gpus[i]); for (int j = 0; j < MAX_MIG; j++) reset_device(&migs[i][j]); }
    gpu_count = 0; init_rc = 0; stride_v3 = 24;
    strcpy(driver_version, "535.261.03"); strcpy(nvml_version, "12.535.261.03"); cuda_version = 12020;
}

typedef enum { T_U32, T_U64, T_STR } ktype;
typedef struct { const char *key; ktype type; size_t off; size_t len; int query; } keydef;
#define U32(k, f, q) { k, T_U32, offsetof(struct nvmlDevice_st, f), 0, q }
#define U64(k, f, q) { k, T_U64, offsetof(struct nvmlDevice_st, f), 0, q }
#define STR(k, f, q) { k, T_STR, offsetof(struct nvmlDevice_st, f), sizeof(((struct nvmlDevice_st *)0)->f), q }
/* KEYS */
static const keydef keys[] = {
    STR("name", name, Q_NAME), STR("uuid", uuid, Q_UUID), STR("serial", serial, Q_SERIAL), STR("bus_id", bus_id, Q_PCI),
    U32("pci_domain", pci_domain, Q_PCI), U32("pci_bus", pci_bus, Q_PCI), U32("pci_device", pci_device, Q_PCI),
    U32("pci_device_id", pci_device_id, Q_PCI), U32("pci_subsys", pci_subsys, Q_PCI),
    U32("util_gpu", util_gpu, Q_UTIL), U32("util_mem", util_mem, Q_UTIL), U32("power_mw", power_mw, Q_POWER),
    U32("power_limit_mw", power_limit_mw, Q_POWER_LIMIT), U32("power_mgmt_limit_mw", power_mgmt_limit_mw, Q_POWER_MGMT_LIMIT),
    U64("energy_mj", energy_mj, Q_ENERGY), U32("temp_c", temp_c, Q_TEMP), U32("sm_clock", sm_clock, Q_CLOCK_SM),
    U32("mem_clock", mem_clock, Q_CLOCK_MEM), U32("sm_clock_max", sm_clock_max, Q_MAXCLOCK_SM),
    U32("mem_clock_max", mem_clock_max, Q_MAXCLOCK_MEM), U64("mem_total", mem_total, Q_MEMORY),
    U64("mem_used", mem_used, Q_MEMORY), U64("mem_free", mem_free, Q_MEMORY), U64("mem_reserved", mem_reserved, Q_MEMORY),
    U64("throttle", throttle, Q_THROTTLE), U32("fan", fan, Q_FAN), U32("pstate", pstate, Q_PSTATE),
    U32("mig_current", mig_current, Q_MIG), U32("mig_pending", mig_pending, Q_MIG), U32("pcie_tx", pcie_tx, Q_PCIE_TX),
    U32("pcie_rx", pcie_rx, Q_PCIE_RX), U32("instant_power_mw", instant_power_mw, Q_INSTANT_POWER),
    U32("gi", gi, -1), U32("ci", ci, -1),
};

static int set_device_key(struct nvmlDevice_st *d, const char *k, const char *v) {
    if (strcmp(k, "lost") == 0) { d->lost = atoi(v); return 0; }
    if (strncmp(k, "fail.", 5) == 0) {
        for (int q = 0; q < Q_COUNT; q++) if (strcmp(k + 5, query_names[q]) == 0) { d->rc[q] = atoi(v); return 0; }
        return -1;
    }
    if (strncmp(k, "gpm.", 4) == 0) {
        int id = atoi(k + 4);
        if (id <= 0 || id >= NVML_GPM_METRIC_MAX) return -1;
        d->gpm[id] = strtod(v, NULL); d->gpm_set[id] = 1; d->rc[Q_GPM] = NVML_SUCCESS;
        return 0;
    }
    if (strcmp(k, "gpm") == 0) { d->rc[Q_GPM] = atoi(v) ? NVML_SUCCESS : NVML_ERROR_NOT_SUPPORTED; return 0; }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strcmp(k, keys[i].key) != 0) continue;
        char *p = (char *)d + keys[i].off;
        if (keys[i].type == T_U32) *(unsigned int *)p = (unsigned int)strtoul(v, NULL, 0);
        else if (keys[i].type == T_U64) *(unsigned long long *)p = strtoull(v, NULL, 0);
        else {
            snprintf(p, keys[i].len, "%s", v);
            for (char *c = p; *c; c++) if (*c == '_' && keys[i].query == Q_NAME) *c = ' ';
        }
        if (keys[i].query >= 0) d->rc[keys[i].query] = NVML_SUCCESS;
        return 0;
    }
    return -1;
}

static int set_proc_key(fake_proc *p, const char *k, const char *v) {
    unsigned long long n = strtoull(v, NULL, 0);
    if (strcmp(k, "pid") == 0) p->pid = (unsigned int)n;
    else if (strcmp(k, "mem") == 0) p->mem = n;
    else if (strcmp(k, "gi") == 0) p->gi = (unsigned int)n;
    else if (strcmp(k, "ci") == 0) p->ci = (unsigned int)n;
    else if (strcmp(k, "sm") == 0) { p->sm = (unsigned int)n; p->has_util = 1; }
    else if (strcmp(k, "memutil") == 0) { p->memutil = (unsigned int)n; p->has_util = 1; }
    else if (strcmp(k, "enc") == 0) { p->enc = (unsigned int)n; p->has_util = 1; }
    else if (strcmp(k, "dec") == 0) { p->dec = (unsigned int)n; p->has_util = 1; }
    else if (strcmp(k, "ts") == 0) p->ts = n;
    else if (strcmp(k, "late") == 0) p->late = (unsigned int)n;
    else if (strcmp(k, "kind") == 0) p->graphics = strcmp(v, "graphics") == 0;
    else return -1;
    return 0;
}

static int apply_line(char *line) {
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    char *save = NULL, *cmd = strtok_r(line, " \t\r\n", &save);
    if (!cmd) return 0;
    if (strcmp(cmd, "reset") == 0) { reset_all(); return 0; }
    char *arg = strtok_r(NULL, " \t\r\n", &save);
    if (!arg) return -1;
    if (strcmp(cmd, "driver") == 0) { snprintf(driver_version, sizeof driver_version, "%s", arg); return 0; }
    if (strcmp(cmd, "nvml") == 0) { snprintf(nvml_version, sizeof nvml_version, "%s", arg); return 0; }
    if (strcmp(cmd, "cuda") == 0) { cuda_version = atoi(arg); return 0; }
    if (strcmp(cmd, "init") == 0) { init_rc = atoi(arg); return 0; }
    if (strcmp(cmd, "stride_v3") == 0) { stride_v3 = atoi(arg); return 0; }
    int i = atoi(arg);
    if (i < 0 || i >= MAX_GPUS) return -1;
    struct nvmlDevice_st *d = &gpus[i];
    if (strcmp(cmd, "gpu") == 0) {
        if (!d->used) { reset_device(d); d->used = 1; }
        if (i + 1 > gpu_count) gpu_count = i + 1;
        for (char *kv; (kv = strtok_r(NULL, " \t\r\n", &save));) {
            char *eq = strchr(kv, '=');
            if (!eq) return -1;
            *eq = 0;
            if (set_device_key(d, kv, eq + 1)) return -1;
        }
        return 0;
    }
    if (strcmp(cmd, "procs") == 0) { d->nprocs = 0; return 0; }
    if (strcmp(cmd, "proc") == 0) {
        if (d->nprocs == MAX_PROCS) return -1;
        fake_proc *p = &d->procs[d->nprocs];
        memset(p, 0, sizeof *p);
        p->gi = p->ci = 0xFFFFFFFFu;
        for (char *kv; (kv = strtok_r(NULL, " \t\r\n", &save));) {
            char *eq = strchr(kv, '=');
            if (!eq) return -1;
            *eq = 0;
            if (set_proc_key(p, kv, eq + 1)) return -1;
        }
        d->nprocs++;
        return 0;
    }
    if (strcmp(cmd, "mig") == 0) {
        char *js = strtok_r(NULL, " \t\r\n", &save);
        if (!js) return -1;
        int j = atoi(js);
        if (j < 0 || j >= MAX_MIG) return -1;
        struct nvmlDevice_st *m = &migs[i][j];
        if (!m->used) { reset_device(m); m->used = 1; m->is_mig = 1; m->parent = d; d->mig[j] = m; }
        for (char *kv; (kv = strtok_r(NULL, " \t\r\n", &save));) {
            char *eq = strchr(kv, '=');
            if (!eq) return -1;
            *eq = 0;
            if (set_device_key(m, kv, eq + 1)) return -1;
        }
        return 0;
    }
    return -1;
}

static int apply_text(const char *text) {
    char *copy = strdup(text), *save = NULL;
    int bad = 0, n = 0;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        n++;
        if (apply_line(line) && !bad) bad = n;
    }
    free(copy);
    return bad;
}

/* ---- control functions for tests (not NVML) ---- */

/* Replaces the whole scripted state. Returns 0, or the 1-based number of the first line it could not parse. */
int fakeNvmlScript(const char *text) {
    pthread_mutex_lock(&lock);
    reset_all();
    int r = apply_text(text);
    pthread_mutex_unlock(&lock);
    return r;
}

/* Applies more script lines to the running state (a GPU falls off the bus, a counter resets, ...). */
int fakeNvmlApply(const char *text) {
    pthread_mutex_lock(&lock);
    int r = apply_text(text);
    pthread_mutex_unlock(&lock);
    return r;
}

/* 1: every NVML call crosses into the kernel once, as the real driver's ioctl to /dev/nvidiactl does; 0: none. */
void fakeNvmlSetCallCost(int kernelCrossingPerCall) {
    pthread_mutex_lock(&lock);
    kernel_crossing = kernelCrossingPerCall;
    pthread_mutex_unlock(&lock);
}

/* How many times an NVML symbol was called. */
long long fakeNvmlCalls(const char *symbol) {
    pthread_mutex_lock(&lock);
    long long n = 0;
    for (int i = 0; i < nsyms; i++) if (strcmp(sym_names[i], symbol) == 0) n = sym_calls[i];
    pthread_mutex_unlock(&lock);
    return n;
}

/* NVIDIA's layouts as this compiler sees them through nvml.h: "struct.field=offset" and "struct=size", one per line. */
const char *fakeNvmlLayout(void) {
    static char buf[8192];
    int n = 0;
#define SZ(t) n += snprintf(buf + n, sizeof buf - n, "%s=%zu\n", #t, sizeof(t))
#define OFF(t, f) n += snprintf(buf + n, sizeof buf - n, "%s.%s=%zu\n", #t, #f, offsetof(t, f))
    SZ(nvmlProcessInfo_v1_t); OFF(nvmlProcessInfo_v1_t, pid); OFF(nvmlProcessInfo_v1_t, usedGpuMemory);
    SZ(nvmlProcessInfo_v2_t); OFF(nvmlProcessInfo_v2_t, pid); OFF(nvmlProcessInfo_v2_t, usedGpuMemory);
    OFF(nvmlProcessInfo_v2_t, gpuInstanceId); OFF(nvmlProcessInfo_v2_t, computeInstanceId);
    SZ(nvmlProcessInfo_t); OFF(nvmlProcessInfo_t, pid); OFF(nvmlProcessInfo_t, usedGpuMemory);
    OFF(nvmlProcessInfo_t, gpuInstanceId); OFF(nvmlProcessInfo_t, computeInstanceId);
    SZ(nvmlPciInfo_t); OFF(nvmlPciInfo_t, busIdLegacy); OFF(nvmlPciInfo_t, domain); OFF(nvmlPciInfo_t, bus);
    OFF(nvmlPciInfo_t, device); OFF(nvmlPciInfo_t, pciDeviceId); OFF(nvmlPciInfo_t, pciSubSystemId); OFF(nvmlPciInfo_t, busId);
    SZ(nvmlUtilization_t); OFF(nvmlUtilization_t, gpu); OFF(nvmlUtilization_t, memory);
    SZ(nvmlMemory_t); OFF(nvmlMemory_t, total); OFF(nvmlMemory_t, free); OFF(nvmlMemory_t, used);
    SZ(nvmlMemory_v2_t); OFF(nvmlMemory_v2_t, version); OFF(nvmlMemory_v2_t, total); OFF(nvmlMemory_v2_t, reserved);
    OFF(nvmlMemory_v2_t, free); OFF(nvmlMemory_v2_t, used);
    SZ(nvmlFieldValue_t); OFF(nvmlFieldValue_t, fieldId); OFF(nvmlFieldValue_t, scopeId); OFF(nvmlFieldValue_t, timestamp);
    OFF(nvmlFieldValue_t, latencyUsec); OFF(nvmlFieldValue_t, valueType); OFF(nvmlFieldValue_t, nvmlReturn); OFF(nvmlFieldValue_t, value);
    SZ(nvmlProcessUtilizationSample_t); OFF(nvmlProcessUtilizationSample_t, pid); OFF(nvmlProcessUtilizationSample_t, timeStamp);
    OFF(nvmlProcessUtilizationSample_t, smUtil); OFF(nvmlProcessUtilizationSample_t, memUtil);
    OFF(nvmlProcessUtilizationSample_t, encUtil); OFF(nvmlProcessUtilizationSample_t, decUtil);
    SZ(nvmlGpmMetric_t); OFF(nvmlGpmMetric_t, metricId); OFF(nvmlGpmMetric_t, nvmlReturn); OFF(nvmlGpmMetric_t, value);
    OFF(nvmlGpmMetric_t, metricInfo.shortName); OFF(nvmlGpmMetric_t, metricInfo.longName); OFF(nvmlGpmMetric_t, metricInfo.unit);
    SZ(nvmlGpmMetricsGet_t); OFF(nvmlGpmMetricsGet_t, version); OFF(nvmlGpmMetricsGet_t, numMetrics);
    OFF(nvmlGpmMetricsGet_t, sample1); OFF(nvmlGpmMetricsGet_t, sample2); OFF(nvmlGpmMetricsGet_t, metrics);
    SZ(nvmlGpmSupport_t); OFF(nvmlGpmSupport_t, version); OFF(nvmlGpmSupport_t, isSupportedDevice);
    return buf;
}

__attribute__((constructor)) static void fake_load(void) {
    reset_all();
    const char *trap = getenv("FAKE_NVML_TRAP");
    if (trap) snprintf(trap_list, sizeof trap_list, ",%s,", trap);
    const char *cost = getenv("FAKE_NVML_CALL_COST");
    kernel_crossing = cost && strcmp(cost, "syscall") == 0;
    const char *path = getenv("FAKE_NVML_SCRIPT");
    if (path && *path) {
        FILE *f = fopen(path, "r");
        if (!f) { fprintf(stderr, "fake-nvml: cannot read FAKE_NVML_SCRIPT=%s\n", path); return; }
        static char text[1 << 20];
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = 0;
        fclose(f);
        int bad = apply_text(text);
        if (bad) fprintf(stderr, "fake-nvml: %s line %d not understood\n", path, bad);
    }
}

/* ---- NVML ---- */

static const char *error_texts[] = {
    "Success", "Uninitialized", "Invalid Argument", "Not Supported", "Insufficient Permissions", "Already Initialized",
    "Not Found", "Insufficient Size", "Insufficient External Power", "Driver Not Loaded", "Timeout",
    "Interrupt Request Issue", "NVML Shared Library Not Found", "Function Not Found", "Corrupted infoROM", "GPU is lost",
    "GPU requires reset", "GPU access blocked by the operating system", "Driver/library version mismatch",
    "In use by another client", "Insufficient Memory", "No data", "vGPU ECC not supported", "Insufficient Resources",
    "Invalid Frequency", "Argument version mismatch", "Requested functionality has been deprecated"
};

/* Counted like the rest: the binding binds missing symbols to this one, so a call count above the binding's own
   errorString() calls would mean a missing symbol was called. */
const char *nvmlErrorString(nvmlReturn_t result) {
    ENTER();
    const char *text = (unsigned)result < sizeof error_texts / sizeof error_texts[0] ? error_texts[result] : "Unknown Error";
    pthread_mutex_unlock(&lock);
    return text;
}

static nvmlReturn_t do_init(void) {
    if (init_rc) return init_rc;
    init_refs++;
    return NVML_SUCCESS;
}
nvmlReturn_t nvmlInit_v2(void) { ENTER(); LEAVE(do_init()); }
nvmlReturn_t nvmlInit(void) { ENTER(); LEAVE(do_init()); }
nvmlReturn_t nvmlInitWithFlags(unsigned int flags) { ENTER(); (void)flags; LEAVE(do_init()); }
nvmlReturn_t nvmlShutdown(void) {
    ENTER();
    if (init_refs == 0) LEAVE(NVML_ERROR_UNINITIALIZED);
    init_refs--;
    LEAVE(NVML_SUCCESS);
}

static nvmlReturn_t copy_string(const char *s, char *out, unsigned int len) {
    if (!out) return NVML_ERROR_INVALID_ARGUMENT;
    if (strlen(s) + 1 > len) return NVML_ERROR_INSUFFICIENT_SIZE;
    strcpy(out, s);
    return NVML_SUCCESS;
}
#define NEED_INIT() if (init_refs == 0) LEAVE(NVML_ERROR_UNINITIALIZED)

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) { ENTER(); NEED_INIT(); LEAVE(copy_string(driver_version, version, length)); }
nvmlReturn_t nvmlSystemGetNVMLVersion(char *version, unsigned int length) { ENTER(); LEAVE(copy_string(nvml_version, version, length)); }
nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int *v) { ENTER(); if (!v) LEAVE(NVML_ERROR_INVALID_ARGUMENT); *v = cuda_version; LEAVE(NVML_SUCCESS); }
nvmlReturn_t nvmlSystemGetCudaDriverVersion(int *v) { ENTER(); if (!v) LEAVE(NVML_ERROR_INVALID_ARGUMENT); *v = cuda_version; LEAVE(NVML_SUCCESS); }

static nvmlReturn_t count(unsigned int *n) { if (!n) return NVML_ERROR_INVALID_ARGUMENT; *n = gpu_count; return NVML_SUCCESS; }
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n) { ENTER(); NEED_INIT(); LEAVE(count(n)); }
nvmlReturn_t nvmlDeviceGetCount(unsigned int *n) { ENTER(); NEED_INIT(); LEAVE(count(n)); }

static nvmlReturn_t handle(unsigned int i, nvmlDevice_t *d) {
    if (!d || i >= (unsigned)gpu_count || !gpus[i].used) return NVML_ERROR_INVALID_ARGUMENT;
    if (gpus[i].lost) return gpus[i].lost;
    *d = &gpus[i];
    return NVML_SUCCESS;
}
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int i, nvmlDevice_t *d) { ENTER(); NEED_INIT(); LEAVE(handle(i, d)); }
nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int i, nvmlDevice_t *d) { ENTER(); NEED_INIT(); LEAVE(handle(i, d)); }

/* Common prologue of a device query: initialised, a real handle, not lost, this query supported. */
#define DEVICE(q) \
    NEED_INIT(); \
    if (!device || !device->used) LEAVE(NVML_ERROR_INVALID_ARGUMENT); \
    if (device->lost) LEAVE(device->lost); \
    if ((q) >= 0 && device->rc[(q)]) LEAVE(device->rc[(q)])
#define OUT(p) if (!(p)) LEAVE(NVML_ERROR_INVALID_ARGUMENT)

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) { ENTER(); DEVICE(Q_NAME); LEAVE(copy_string(device->name, name, length)); }
nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) { ENTER(); DEVICE(Q_UUID); LEAVE(copy_string(device->uuid, uuid, length)); }
nvmlReturn_t nvmlDeviceGetSerial(nvmlDevice_t device, char *serial, unsigned int length) { ENTER(); DEVICE(Q_SERIAL); LEAVE(copy_string(device->serial, serial, length)); }
nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device, unsigned int *index) {
    ENTER(); DEVICE(-1); OUT(index);
    if (device->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    *index = (unsigned int)(device - gpus);
    LEAVE(NVML_SUCCESS);
}

static nvmlReturn_t pci(nvmlDevice_t device, nvmlPciInfo_t *p) {
    memset(p, 0, sizeof *p);
    snprintf(p->busId, sizeof p->busId, "%s", device->bus_id);
    snprintf(p->busIdLegacy, sizeof p->busIdLegacy, "%.15s", device->bus_id);
    p->domain = device->pci_domain; p->bus = device->pci_bus; p->device = device->pci_device;
    p->pciDeviceId = device->pci_device_id; p->pciSubSystemId = device->pci_subsys;
    return NVML_SUCCESS;
}
#ifndef FAKE_NO_V3
nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t device, nvmlPciInfo_t *p) { ENTER(); DEVICE(Q_PCI); OUT(p); LEAVE(pci(device, p)); }
#endif
nvmlReturn_t nvmlDeviceGetPciInfo_v2(nvmlDevice_t device, nvmlPciInfo_t *p) { ENTER(); DEVICE(Q_PCI); OUT(p); LEAVE(pci(device, p)); }

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *u) {
    ENTER(); DEVICE(Q_UTIL); OUT(u);
    u->gpu = device->util_gpu; u->memory = device->util_mem;
    LEAVE(NVML_SUCCESS);
}
#define UINT_QUERY(fn, q, field) \
    nvmlReturn_t fn(nvmlDevice_t device, unsigned int *v) { ENTER(); DEVICE(q); OUT(v); *v = device->field; LEAVE(NVML_SUCCESS); }
UINT_QUERY(nvmlDeviceGetPowerUsage, Q_POWER, power_mw)
UINT_QUERY(nvmlDeviceGetEnforcedPowerLimit, Q_POWER_LIMIT, power_limit_mw)
UINT_QUERY(nvmlDeviceGetPowerManagementLimit, Q_POWER_MGMT_LIMIT, power_mgmt_limit_mw)
UINT_QUERY(nvmlDeviceGetFanSpeed, Q_FAN, fan)

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *e) {
    ENTER(); DEVICE(Q_ENERGY); OUT(e); *e = device->energy_mj; LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, nvmlTemperatureSensors_t sensor, unsigned int *t) {
    ENTER(); DEVICE(Q_TEMP); OUT(t);
    if (sensor != NVML_TEMPERATURE_GPU) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    *t = device->temp_c; LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *c) {
    ENTER(); NEED_INIT(); OUT(c);
    if (!device || !device->used) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (device->lost) LEAVE(device->lost);
    int q = type == NVML_CLOCK_SM ? Q_CLOCK_SM : type == NVML_CLOCK_MEM ? Q_CLOCK_MEM : -1;
    if (q < 0) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (device->rc[q]) LEAVE(device->rc[q]);
    *c = q == Q_CLOCK_SM ? device->sm_clock : device->mem_clock;
    LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, nvmlClockType_t type, unsigned int *c) {
    ENTER(); NEED_INIT(); OUT(c);
    if (!device || !device->used) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (device->lost) LEAVE(device->lost);
    int q = type == NVML_CLOCK_SM ? Q_MAXCLOCK_SM : type == NVML_CLOCK_MEM ? Q_MAXCLOCK_MEM : -1;
    if (q < 0) LEAVE(NVML_ERROR_NOT_SUPPORTED);
    if (device->rc[q]) LEAVE(device->rc[q]);
    *c = q == Q_MAXCLOCK_SM ? device->sm_clock_max : device->mem_clock_max;
    LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *m) {
    ENTER(); DEVICE(Q_MEMORY); OUT(m);
    m->total = device->mem_total; m->free = device->mem_free; m->used = device->mem_used + device->mem_reserved;
    LEAVE(NVML_SUCCESS);
}
#ifndef FAKE_NO_V3
nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *m) {
    ENTER(); DEVICE(Q_MEMORY); OUT(m);
    if (m->version != nvmlMemory_v2) LEAVE(NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    m->total = device->mem_total; m->reserved = device->mem_reserved; m->free = device->mem_free; m->used = device->mem_used;
    LEAVE(NVML_SUCCESS);
}
#endif
nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, unsigned long long *r) {
    ENTER(); DEVICE(Q_THROTTLE); OUT(r); *r = device->throttle; LEAVE(NVML_SUCCESS);
}
#ifndef FAKE_NO_V3
/* The newer name of the same query; late 535 libraries export both, this nvml.h declares only the old one. */
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *r);
nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *r) {
    ENTER(); DEVICE(Q_THROTTLE); OUT(r); *r = device->throttle; LEAVE(NVML_SUCCESS);
}
#endif
nvmlReturn_t nvmlDeviceGetPerformanceState(nvmlDevice_t device, nvmlPstates_t *p) {
    ENTER(); DEVICE(Q_PSTATE); OUT(p); *p = (nvmlPstates_t)device->pstate; LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceGetPcieThroughput(nvmlDevice_t device, nvmlPcieUtilCounter_t counter, unsigned int *v) {
    ENTER(); NEED_INIT(); OUT(v);
    if (!device || !device->used) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (device->lost) LEAVE(device->lost);
    int q = counter == NVML_PCIE_UTIL_TX_BYTES ? Q_PCIE_TX : Q_PCIE_RX;
    if (device->rc[q]) LEAVE(device->rc[q]);
    *v = q == Q_PCIE_TX ? device->pcie_tx : device->pcie_rx;
    LEAVE(NVML_SUCCESS);
}

/* Process lists: NVIDIA's two-call protocol, with 'late' processes that appear between the two calls. */
static nvmlReturn_t processes(nvmlDevice_t device, int graphics, unsigned int *count, void *infos, size_t stride, int version) {
    if (!count) return NVML_ERROR_INVALID_ARGUMENT;
    unsigned int n = 0;
    for (int i = 0; i < device->nprocs; i++)
        if (device->procs[i].graphics == (unsigned)graphics && !device->procs[i].late) n++;
    if (*count < n || (n > 0 && !infos)) {
        *count = n;
        for (int i = 0; i < device->nprocs; i++) device->procs[i].late = 0;
        return NVML_ERROR_INSUFFICIENT_SIZE;
    }
    unsigned int k = 0;
    for (int i = 0; i < device->nprocs; i++) {
        fake_proc *p = &device->procs[i];
        if (p->graphics != (unsigned)graphics || p->late) continue;
        char *e = (char *)infos + k * stride;
        if (version == 1) {
            nvmlProcessInfo_v1_t *v = (nvmlProcessInfo_v1_t *)e;
            v->pid = p->pid; v->usedGpuMemory = p->mem;
        } else if (version == 2) {
            nvmlProcessInfo_v2_t *v = (nvmlProcessInfo_v2_t *)e;
            v->pid = p->pid; v->usedGpuMemory = p->mem; v->gpuInstanceId = p->gi; v->computeInstanceId = p->ci;
        } else {
            nvmlProcessInfo_t *v = (nvmlProcessInfo_t *)e;
            v->pid = p->pid; v->usedGpuMemory = p->mem; v->gpuInstanceId = p->gi; v->computeInstanceId = p->ci;
            if (stride == sizeof(r535_early_process_info_t)) ((r535_early_process_info_t *)e)->usedGpuCcProtectedMemory = 0;
        }
        k++;
    }
    *count = k;
    return NVML_SUCCESS;
}
#define V3_STRIDE (stride_v3 == 32 ? sizeof(r535_early_process_info_t) : sizeof(nvmlProcessInfo_t))
#ifndef FAKE_NO_V3
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *c, nvmlProcessInfo_t *i) {
    ENTER(); DEVICE(Q_PROCS_COMPUTE); LEAVE(processes(device, 0, c, i, V3_STRIDE, 3));
}
nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t device, unsigned int *c, nvmlProcessInfo_t *i) {
    ENTER(); DEVICE(Q_PROCS_GRAPHICS); LEAVE(processes(device, 1, c, i, V3_STRIDE, 3));
}
#endif
#ifndef FAKE_NO_V2_PROCS
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device, unsigned int *c, nvmlProcessInfo_v2_t *i) {
    ENTER(); DEVICE(Q_PROCS_COMPUTE); LEAVE(processes(device, 0, c, i, sizeof *i, 2));
}
nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v2(nvmlDevice_t device, unsigned int *c, nvmlProcessInfo_v2_t *i) {
    ENTER(); DEVICE(Q_PROCS_GRAPHICS); LEAVE(processes(device, 1, c, i, sizeof *i, 2));
}
#endif
nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int *c, nvmlProcessInfo_v1_t *i) {
    ENTER(); DEVICE(Q_PROCS_COMPUTE); LEAVE(processes(device, 0, c, i, sizeof *i, 1));
}
nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses(nvmlDevice_t device, unsigned int *c, nvmlProcessInfo_v1_t *i) {
    ENTER(); DEVICE(Q_PROCS_GRAPHICS); LEAVE(processes(device, 1, c, i, sizeof *i, 1));
}

nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t device, nvmlProcessUtilizationSample_t *u, unsigned int *count,
                                             unsigned long long lastSeen) {
    ENTER(); DEVICE(Q_PROC_UTIL); OUT(count);
    unsigned int n = 0;
    for (int i = 0; i < device->nprocs; i++) if (device->procs[i].has_util && device->procs[i].ts > lastSeen) n++;
    if (n == 0) LEAVE(NVML_ERROR_NOT_FOUND);
    if (!u || *count < n) { *count = n; LEAVE(NVML_ERROR_INSUFFICIENT_SIZE); }
    unsigned int k = 0;
    for (int i = 0; i < device->nprocs; i++) {
        fake_proc *p = &device->procs[i];
        if (!p->has_util || p->ts <= lastSeen) continue;
        u[k].pid = p->pid; u[k].timeStamp = p->ts; u[k].smUtil = p->sm; u[k].memUtil = p->memutil;
        u[k].encUtil = p->enc; u[k].decUtil = p->dec;
        k++;
    }
    *count = k;
    LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int n, nvmlFieldValue_t *values) {
    ENTER(); DEVICE(-1);
    if (n < 0 || (n > 0 && !values)) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    for (int i = 0; i < n; i++) {
        nvmlFieldValue_t *v = &values[i];
        v->timestamp = 1700000000000000LL; v->latencyUsec = 0;
        if (v->fieldId == 186 && device->rc[Q_INSTANT_POWER] == 0) {  /* NVML_FI_DEV_POWER_INSTANT (R555+) */
            v->valueType = NVML_VALUE_TYPE_UNSIGNED_INT; v->value.uiVal = device->instant_power_mw; v->nvmlReturn = NVML_SUCCESS;
        } else if (v->fieldId == NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION && device->rc[Q_ENERGY] == 0) {
            v->valueType = NVML_VALUE_TYPE_UNSIGNED_LONG_LONG; v->value.ullVal = device->energy_mj; v->nvmlReturn = NVML_SUCCESS;
        } else {
            v->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
        }
    }
    LEAVE(NVML_SUCCESS);
}

nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t device, unsigned int *current, unsigned int *pending) {
    ENTER(); DEVICE(Q_MIG); OUT(current); OUT(pending);
    *current = device->mig_current; *pending = device->mig_pending; LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int *count) {
    ENTER(); DEVICE(Q_MIG); OUT(count); *count = MAX_MIG; LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index, nvmlDevice_t *mig) {
    ENTER(); DEVICE(Q_MIG); OUT(mig);
    if (index >= MAX_MIG) LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    if (!device->mig[index]) LEAVE(NVML_ERROR_NOT_FOUND);
    *mig = device->mig[index]; LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t device, unsigned int *is) {
    ENTER(); DEVICE(-1); OUT(is); *is = device->is_mig; LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t device, unsigned int *id) {
    ENTER(); DEVICE(-1); OUT(id); if (!device->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED); *id = device->gi; LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t device, unsigned int *id) {
    ENTER(); DEVICE(-1); OUT(id); if (!device->is_mig) LEAVE(NVML_ERROR_NOT_SUPPORTED); *id = device->ci; LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t device, nvmlDevice_t *parent) {
    ENTER(); DEVICE(-1); OUT(parent); if (!device->is_mig) LEAVE(NVML_ERROR_INVALID_ARGUMENT); *parent = device->parent; LEAVE(NVML_SUCCESS);
}

#ifndef FAKE_NO_V3
nvmlReturn_t nvmlGpmQueryDeviceSupport(nvmlDevice_t device, nvmlGpmSupport_t *s) {
    ENTER(); DEVICE(-1); OUT(s);
    if (s->version != NVML_GPM_SUPPORT_VERSION) LEAVE(NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    s->isSupportedDevice = device->rc[Q_GPM] == NVML_SUCCESS;
    LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlGpmSampleAlloc(nvmlGpmSample_t *s) {
    ENTER(); NEED_INIT(); OUT(s);
    *s = calloc(1, sizeof(struct nvmlGpmSample_st));
    LEAVE(*s ? NVML_SUCCESS : NVML_ERROR_MEMORY);
}
nvmlReturn_t nvmlGpmSampleFree(nvmlGpmSample_t s) { ENTER(); OUT(s); free(s); LEAVE(NVML_SUCCESS); }
nvmlReturn_t nvmlGpmSampleGet(nvmlDevice_t device, nvmlGpmSample_t s) {
    ENTER(); DEVICE(Q_GPM); OUT(s);
    s->dev = device; s->taken = 1;
    memcpy(s->vals, device->gpm, sizeof s->vals); memcpy(s->set, device->gpm_set, sizeof s->set);
    LEAVE(NVML_SUCCESS);
}
nvmlReturn_t nvmlGpmMetricsGet(nvmlGpmMetricsGet_t *m) {
    ENTER(); OUT(m);
    if (m->version != NVML_GPM_METRICS_GET_VERSION) LEAVE(NVML_ERROR_ARGUMENT_VERSION_MISMATCH);
    if (!m->sample1 || !m->sample2 || !m->sample1->taken || !m->sample2->taken || m->sample1->dev != m->sample2->dev
        || m->numMetrics > NVML_GPM_METRIC_MAX)
        LEAVE(NVML_ERROR_INVALID_ARGUMENT);
    for (unsigned int i = 0; i < m->numMetrics; i++) {
        nvmlGpmMetric_t *g = &m->metrics[i];
        unsigned int id = g->metricId;
        g->metricInfo.shortName = g->metricInfo.longName = g->metricInfo.unit = NULL;
        if (id < NVML_GPM_METRIC_MAX && m->sample2->set[id]) { g->nvmlReturn = NVML_SUCCESS; g->value = m->sample2->vals[id]; }
        else g->nvmlReturn = NVML_ERROR_NOT_SUPPORTED;
    }
    LEAVE(NVML_SUCCESS);
}
#endif
