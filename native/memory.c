/*
 * Hands the C heap's free pages back to the kernel (glibc's malloc_trim).
 *
 * A cloud SDK's start-up (parsing its modules, building its clients) mallocs
 * tens of MB and frees nearly all of it, but glibc keeps freed memory that is
 * not at the top of an arena, and the arenas of V8's compiler threads, until
 * something asks: measured on Node 20-26 with @aws-sdk/client-ec2 loaded,
 * 22-33 MB of the daemon's resident memory was such free memory
 * (docs/benchmarks.md, "Footprint").
 *
 * N-API only: one build loads on every Node that has N-API version 8.
 *
 * releaseFreeMemory(): boolean | null
 *   true when memory was returned to the kernel, false when there was none
 *   to return, null where the C library has no malloc_trim (musl).
 */
#define NAPI_VERSION 8
#include <node_api.h>

/* Any libc header defines __GLIBC__ under glibc; musl defines nothing of the kind. */
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

static napi_value release_free_memory(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
#ifdef __GLIBC__
  napi_get_boolean(env, malloc_trim(0) != 0, &result);
#else
  napi_get_null(env, &result);
#endif
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "releaseFreeMemory", NAPI_AUTO_LENGTH, release_free_memory, NULL, &fn);
  napi_set_named_property(env, exports, "releaseFreeMemory", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
