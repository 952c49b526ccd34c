/*
 * A bump allocator for the protobuf-c structs that ProtoCodec builds and reads.
 *
 * Hand-written (not generated). Decoding hands it to protobuf_c_message_unpack as the
 * allocator, so the many small allocations of an unpacked message cost a pointer bump and
 * the whole message is released with one call; encoding builds the C struct tree in it.
 */
#ifndef PC_ARENA_H
#define PC_ARENA_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

typedef struct PCArena PCArena;

/** A new arena whose first block holds at least `first_block` bytes. NULL if out of memory. */
PCArena *pc_arena_create(size_t first_block);

/** Frees every block of the arena and the arena itself. */
void pc_arena_destroy(PCArena *arena);

/** `size` bytes aligned to 16, uninitialised. NULL if out of memory. */
void *pc_arena_alloc(PCArena *arena, size_t size);

/** `size` bytes aligned to 16, zeroed. NULL if out of memory. */
void *pc_arena_calloc(PCArena *arena, size_t size);

/**
 * A NUL-terminated copy of `len` bytes. Sets *has_nul to 1 when the bytes themselves hold a
 * NUL: protobuf-c keeps strings as `char *`, so such a string would be cut silently.
 */
char *pc_arena_strndup(PCArena *arena, const char *src, size_t len, int *has_nul);

/** A copy of `len` bytes (no terminator); a non-NULL pointer even when len is 0. */
uint8_t *pc_arena_memdup(PCArena *arena, const void *src, size_t len);

/** The protobuf-c allocator view of the arena; its free is a no-op. */
ProtobufCAllocator *pc_arena_allocator(PCArena *arena);

/** Bytes handed out so far (for tests). */
size_t pc_arena_used(const PCArena *arena);

#endif
