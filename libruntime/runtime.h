/*
 * runtime.h — libruntime, one shared runtime for a program and its plugins.
 *
 * The umbrella header: include this one.  Each part has its own header under
 * runtime/; see runtime(3) for an overview and one man page per part.
 */
#ifndef RUNTIME_H
#define RUNTIME_H

#include <runtime/defs.h>
#include <runtime/error.h>
#include <runtime/version.h>
#include <runtime/alloc.h>
#include <runtime/buf.h>
#include <runtime/io.h>
#include <runtime/os.h>
#include <runtime/net.h>
#include <runtime/call.h>
#include <runtime/plugin.h>
#include <runtime/module.h>

#endif /* RUNTIME_H */
