// SPDX-License-Identifier: GPL-2.0
/*
 * ELF64 images for bare-metal and RTOS guests: every header field the
 * loader relies on is checked against the file before anything is copied.
 * A segment goes to its p_paddr (the address a bare-metal program is
 * linked to run at with the MMU off); where it must fit in guest RAM is
 * loader_plan_segs' business.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guest/loader.h"

_Static_assert(sizeof(Elf64_Ehdr) == ELF_EHDR_SIZE, "ELF64 header size");

bool elf_magic(const uint8_t *hdr, size_t len)
{
	return len >= SELFMAG && !memcmp(hdr, ELFMAG, SELFMAG);
}

#define ELF_FAIL(e, ...) \
	do { \
		int n_ = snprintf(err, errlen, "%s: ", what); \
		if (n_ >= 0 && (size_t)n_ < errlen) \
			snprintf(err + n_, errlen - (size_t)n_, __VA_ARGS__); \
		return -(e); \
	} while (0)

int elf_header(const uint8_t *eh, size_t len, uint64_t file_len, uint64_t *phoff,
	       unsigned *phnum, const char *what, char *err, size_t errlen)
{
	Elf64_Ehdr h;

	if (len < sizeof(h) || file_len < sizeof(h))
		ELF_FAIL(ENOEXEC, "a truncated ELF file (%llu bytes, the header alone is %zu)",
			 (unsigned long long)file_len, sizeof(h));
	memcpy(&h, eh, sizeof(h));
	if (memcmp(h.e_ident, ELFMAG, SELFMAG))
		ELF_FAIL(ENOEXEC, "not an ELF file");
	if (h.e_ident[EI_CLASS] != ELFCLASS64 || h.e_ident[EI_DATA] != ELFDATA2LSB)
		ELF_FAIL(ENOEXEC, "ELF class %u, data %u: not a little-endian ELF64 file",
			 h.e_ident[EI_CLASS], h.e_ident[EI_DATA]);
	if (h.e_ident[EI_VERSION] != EV_CURRENT || h.e_version != EV_CURRENT)
		ELF_FAIL(ENOEXEC, "ELF version %u is not %u", h.e_version, EV_CURRENT);
	if (h.e_machine != EM_AARCH64)
		ELF_FAIL(ENOEXEC, "e_machine %u is not EM_AARCH64 (%u)", h.e_machine, EM_AARCH64);
	/* Relocatable and shared objects would need a dynamic linker. */
	if (h.e_type != ET_EXEC)
		ELF_FAIL(ENOEXEC, "e_type %u is not ET_EXEC (a statically linked executable)",
			 h.e_type);
	if (h.e_phentsize != sizeof(Elf64_Phdr))
		ELF_FAIL(ENOEXEC, "e_phentsize %u is not %zu", h.e_phentsize, sizeof(Elf64_Phdr));
	if (!h.e_phnum || h.e_phnum > ELF_PH_MAX)
		ELF_FAIL(ENOEXEC, "e_phnum %u is not 1..%d", h.e_phnum, ELF_PH_MAX);
	/* phnum * phentsize is at most 64 * 56: no overflow past the check on phoff. */
	if (h.e_phoff > file_len || (uint64_t)h.e_phnum * sizeof(Elf64_Phdr) > file_len - h.e_phoff)
		ELF_FAIL(ENOEXEC,
			 "program headers at 0x%llx (%u of %zu bytes) run past the end of the file (%llu bytes): truncated?",
			 (unsigned long long)h.e_phoff, h.e_phnum, sizeof(Elf64_Phdr),
			 (unsigned long long)file_len);
	*phoff = h.e_phoff;
	*phnum = h.e_phnum;
	return 0;
}

int elf_segments(const uint8_t *eh, const uint8_t *ph, unsigned phnum, uint64_t file_len,
		 struct boot_layout *out, const char *what, char *err, size_t errlen)
{
	Elf64_Ehdr h;
	bool entry_found = false;

	memcpy(&h, eh, sizeof(h));
	out->nr_segs = 0;
	for (unsigned i = 0; i < phnum && i < ELF_PH_MAX; i++) {
		Elf64_Phdr p;
		struct load_seg *s;

		memcpy(&p, ph + (size_t)i * sizeof(p), sizeof(p));
		if (p.p_type == PT_DYNAMIC || p.p_type == PT_INTERP)
			ELF_FAIL(ENOEXEC, "program header %u: a dynamically linked program", i);
		if (p.p_type != PT_LOAD || !p.p_memsz)
			continue;
		if (p.p_filesz > p.p_memsz)
			ELF_FAIL(ENOEXEC, "program header %u: p_filesz 0x%llx is more than p_memsz 0x%llx",
				 i, (unsigned long long)p.p_filesz, (unsigned long long)p.p_memsz);
		if (p.p_offset > file_len || p.p_filesz > file_len - p.p_offset)
			ELF_FAIL(ENOEXEC,
				 "program header %u: file bytes 0x%llx+0x%llx run past the end of the file (%llu bytes): truncated?",
				 i, (unsigned long long)p.p_offset, (unsigned long long)p.p_filesz,
				 (unsigned long long)file_len);
		if (p.p_paddr + p.p_memsz < p.p_paddr || p.p_vaddr + p.p_memsz < p.p_vaddr)
			ELF_FAIL(ENOEXEC, "program header %u: 0x%llx+0x%llx wraps around", i,
				 (unsigned long long)p.p_paddr, (unsigned long long)p.p_memsz);
		if (out->nr_segs == LOADER_MAX_SEGS)
			ELF_FAIL(ENOEXEC, "more than %d loadable segments", LOADER_MAX_SEGS);
		s = &out->seg[out->nr_segs++];
		*s = (struct load_seg){ .ipa = p.p_paddr, .offset = p.p_offset,
					.filesz = p.p_filesz, .memsz = p.p_memsz, .vaddr = p.p_vaddr };
		/* e_entry is a virtual address: the segment holding it says
		 * where that is in guest RAM. */
		if (!entry_found && h.e_entry >= p.p_vaddr && h.e_entry - p.p_vaddr < p.p_filesz) {
			out->entry = h.e_entry - p.p_vaddr + p.p_paddr;
			entry_found = true;
		}
	}
	if (!out->nr_segs)
		ELF_FAIL(ENOEXEC, "no loadable segment (PT_LOAD)");
	if (!entry_found)
		ELF_FAIL(ENOEXEC, "e_entry 0x%llx is in no loadable segment's file bytes",
			 (unsigned long long)h.e_entry);
	return 0;
}
