/*
 * The errno names the addons put in an Error's `code`, so TypeScript can
 * decide transient vs permanent by name (as Node's own errors do).
 */
#ifndef VIPD_ERRNO_NAME_H
#define VIPD_ERRNO_NAME_H

#include <errno.h>

static const char *errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    case ENETDOWN: return "ENETDOWN";
    case ENOBUFS: return "ENOBUFS";
    case EINVAL: return "EINVAL";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EMSGSIZE: return "EMSGSIZE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOTDIR: return "ENOTDIR";
    case EAGAIN: return "EAGAIN";
    default: return "EIO";
  }
}

#endif
