/* Hand-written (not generated): the embedded descriptor set of proto/, for server reflection.
 * The data is generated into generated/descriptor_set.c by `make generate`. */
#ifndef CQMON_DESCRIPTOR_SET_H
#define CQMON_DESCRIPTOR_SET_H

#include <stddef.h>

extern const size_t cqmon_descriptor_set_size;
extern const unsigned char cqmon_descriptor_set[];

/* The array's address (Swift imports an array of unknown size as nothing usable). */
static inline const unsigned char *cqmon_descriptor_set_pointer(void) { return cqmon_descriptor_set; }

#endif
