/*
 * The C side of the NVML sampling benchmark: the calls GpuDevice.snapshot() makes for one GPU, in a plain C loop,
 * through the same library (dlopen of the same path returns the instance the JVM already holds).
 */
#define NVML_NO_UNVERSIONED_FUNC_DEFS
#include <nvml.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef nvmlReturn_t (*init_t)(void);
typedef nvmlReturn_t (*count_t)(unsigned int *);
typedef nvmlReturn_t (*handle_t)(unsigned int, nvmlDevice_t *);
typedef nvmlReturn_t (*util_t)(nvmlDevice_t, nvmlUtilization_t *);
typedef nvmlReturn_t (*uint_t)(nvmlDevice_t, unsigned int *);
typedef nvmlReturn_t (*ull_t)(nvmlDevice_t, unsigned long long *);
typedef nvmlReturn_t (*typed_uint_t)(nvmlDevice_t, int, unsigned int *);
typedef nvmlReturn_t (*mem2_t)(nvmlDevice_t, nvmlMemory_v2_t *);
typedef nvmlReturn_t (*pstate_t)(nvmlDevice_t, nvmlPstates_t *);
typedef nvmlReturn_t (*fields_t)(nvmlDevice_t, int, nvmlFieldValue_t *);
typedef nvmlReturn_t (*procs_t)(nvmlDevice_t, unsigned int *, nvmlProcessInfo_t *);

static volatile unsigned long long sink;

#define LOAD(var, type, name) type var = (type)dlsym(lib, name); if (!var) { fprintf(stderr, "bench: no %s\n", name); return -1; }

/* Returns nanoseconds per GPU sample over `samples` samples spread round-robin over `gpus` GPUs, or -1. */
double benchLoop(const char *path, int gpus, long samples) {
    void *lib = dlopen(path, RTLD_LAZY | RTLD_LOCAL);
    if (!lib) { fprintf(stderr, "bench: %s\n", dlerror()); return -1; }
    LOAD(init, init_t, "nvmlInit_v2");
    LOAD(shutdown, init_t, "nvmlShutdown");
    LOAD(handle, handle_t, "nvmlDeviceGetHandleByIndex_v2");
    LOAD(util, util_t, "nvmlDeviceGetUtilizationRates");
    LOAD(power, uint_t, "nvmlDeviceGetPowerUsage");
    LOAD(limit, uint_t, "nvmlDeviceGetEnforcedPowerLimit");
    LOAD(mlimit, uint_t, "nvmlDeviceGetPowerManagementLimit");
    LOAD(energy, ull_t, "nvmlDeviceGetTotalEnergyConsumption");
    LOAD(temp, typed_uint_t, "nvmlDeviceGetTemperature");
    LOAD(clock, typed_uint_t, "nvmlDeviceGetClockInfo");
    LOAD(mem2, mem2_t, "nvmlDeviceGetMemoryInfo_v2");
    /* Newest name first, as the binding does; 535 and older only have the throttle name. */
    ull_t reasons = (ull_t)dlsym(lib, "nvmlDeviceGetCurrentClocksEventReasons");
    if (!reasons) reasons = (ull_t)dlsym(lib, "nvmlDeviceGetCurrentClocksThrottleReasons");
    if (!reasons) { fprintf(stderr, "bench: no clocks event/throttle reasons\n"); return -1; }
    LOAD(fan, uint_t, "nvmlDeviceGetFanSpeed");
    LOAD(pstate, pstate_t, "nvmlDeviceGetPerformanceState");
    LOAD(fields, fields_t, "nvmlDeviceGetFieldValues");
    LOAD(compute, procs_t, "nvmlDeviceGetComputeRunningProcesses_v3");
    LOAD(graphics, procs_t, "nvmlDeviceGetGraphicsRunningProcesses_v3");
    if (init() != NVML_SUCCESS) return -1;
    nvmlDevice_t dev[64];
    if (gpus > 64) gpus = 64;
    for (int i = 0; i < gpus; i++) if (handle(i, &dev[i]) != NVML_SUCCESS) return -1;

    nvmlUtilization_t u;
    unsigned int v;
    unsigned long long e;
    nvmlMemory_v2_t m;
    nvmlPstates_t p;
    nvmlFieldValue_t f;
    nvmlProcessInfo_t procs[64];
    unsigned int pids[64];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long n = 0; n < samples; n++) {
        nvmlDevice_t d = dev[n % gpus];
        unsigned long long acc = 0;
        if (util(d, &u) == 0) acc += u.gpu + u.memory;
        if (power(d, &v) == 0) acc += v;
        if (limit(d, &v) == 0) acc += v;
        if (mlimit(d, &v) == 0) acc += v;
        if (energy(d, &e) == 0) acc += e;
        if (temp(d, NVML_TEMPERATURE_GPU, &v) == 0) acc += v;
        if (clock(d, NVML_CLOCK_SM, &v) == 0) acc += v;
        if (clock(d, NVML_CLOCK_MEM, &v) == 0) acc += v;
        m.version = nvmlMemory_v2;
        if (mem2(d, &m) == 0) acc += m.total + m.reserved + m.free + m.used;
        if (reasons(d, &e) == 0) acc += e;
        if (fan(d, &v) == 0) acc += v;
        if (pstate(d, &p) == 0) acc += p;
        f.fieldId = 186; f.scopeId = 0;
        if (fields(d, 1, &f) == 0 && f.nvmlReturn == 0) acc += f.value.uiVal;
        unsigned int nc = 64, ng = 64, total = 0;
        if (compute(d, &nc, procs) == 0) {
            for (unsigned int i = 0; i < nc; i++) pids[i] = procs[i].pid;
            total = nc;
        } else nc = 0;
        if (graphics(d, &ng, procs) == 0) {
            for (unsigned int i = 0; i < ng; i++) {
                int seen = 0;
                for (unsigned int j = 0; j < nc && !seen; j++) seen = pids[j] == procs[i].pid;
                if (!seen) total++;
            }
        }
        sink += acc + total;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    shutdown();
    dlclose(lib);
    return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / samples;
}
