/*
 * Intel's MKL, linked into libtorch, picks its matrix kernels by CPU vendor before features: on an
 * AMD CPU it asks mkl_serv_intel_cpu_true(), gets 0, and runs a generic path at about half the
 * speed the CPU's own AVX2/AVX-512 units give (dev-2c, an AVX-512 AMD EPYC: 1024^3 float32 products
 * at 100 GFLOP/s on one thread, 200-240 with this file loaded; docs/BENCHMARKS.md). libtorch exports
 * the function and calls it through its PLT, so a definition loaded into the global symbol scope
 * first (MklVendorCheck loads this library with RTLD_GLOBAL before the engine starts) answers instead.
 * MKL still chooses among its kernels by the features cpuid reports, so a CPU without AVX-512 gets
 * the AVX2 path, never instructions it lacks.
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
