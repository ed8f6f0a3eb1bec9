/*
 * sd_notify(3) from inside the daemon: one datagram to $NOTIFY_SOCKET from
 * the daemon's own PID (so the unit keeps NotifyAccess=main), one syscall per
 * watchdog ping. Node has no unix datagram sockets of its own.
 *
 * N-API only: one build loads on every Node that has N-API version 8, so a
 * release tarball is not tied to the Node major it was built on.
 *
 * sendNotify(path: string, payload: Buffer): void
 *   path is a filesystem path, or "@name" for an abstract socket (as
 *   sd_notify accepts). Throws an Error whose code is the errno name
 *   (ENOENT, ECONNREFUSED, EAGAIN, ...) and whose syscall says which step.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "errno-name.h"

static napi_value throw_errno(napi_env env, int e, const char *syscall, const char *path) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s (%s)", syscall, strerror(e), path);
  napi_value code, message, error, sys;
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, error, "syscall", sys);
  napi_throw(env, error);
  return NULL;
}

static napi_value send_notify(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
  size_t path_len = 0;
  void *data = NULL;
  size_t data_len = 0;
  bool is_buffer = false;
  if (argc != 2 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_len) != napi_ok ||
      napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[1], &data, &data_len) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "sendNotify(path: string, payload: Buffer)");
    return NULL;
  }
  /* A path that filled the buffer was cut short; sun_path has no room for it. */
  if (path_len == 0 || path_len + 1 >= sizeof path || (path[0] != '/' && path[0] != '@')) {
    napi_throw_type_error(env, "EINVAL", "the notify socket must be an absolute path or @abstract name shorter than 108 bytes");
    return NULL;
  }

  struct sockaddr_un to;
  memset(&to, 0, sizeof to);
  to.sun_family = AF_UNIX;
  memcpy(to.sun_path, path, path_len);
  socklen_t to_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len + 1);
  if (path[0] == '@') {
    /* Abstract namespace: a leading NUL and no terminating one. */
    to.sun_path[0] = '\0';
    to_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + path_len);
  }

  /*
   * A socket per message: nothing stays open between pings, and a notify
   * socket recreated by a systemd re-exec is found again by path.
   */
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket", path);
  /* MSG_DONTWAIT: a full receive queue in PID 1 must not block the event loop (EAGAIN, transient). */
  ssize_t sent = sendto(fd, data, data_len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&to, to_len);
  int e = errno;
  close(fd);
  if (sent < 0) return throw_errno(env, e, "sendto", path);
  if ((size_t)sent != data_len) return throw_errno(env, EMSGSIZE, "sendto", path);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "sendNotify", NAPI_AUTO_LENGTH, send_notify, NULL, &fn);
  napi_set_named_property(env, exports, "sendNotify", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
