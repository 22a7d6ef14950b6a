/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest entry points: exception stubs that report home instead of triple-faulting, the landing
 * pad for a guest function that returns, and the probes whose faulting instruction the host
 * knows by address (so it can move the vCPU past a KVM_EXIT_MEMORY_FAULT).
 */
	.text

/* Vectors that push an error code; the others get a 0 pushed so frames look alike. */
.macro EXC vec
	.align 16
kmat_exc_\vec:
	.if (\vec != 8) && (\vec != 10) && (\vec != 11) && (\vec != 12) && (\vec != 13) && (\vec != 14) && (\vec != 17) && (\vec != 21) && (\vec != 29) && (\vec != 30)
	pushq $0
	.endif
	pushq $\vec
	jmp kmat_exc_common
.endm

	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	EXC \v
	.endr

kmat_exc_common:
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, %rdi
	/* Keep the C handler's stack 16-byte aligned whatever the trap frame did. */
	mov %rsp, %rbx
	and $-16, %rsp
	call kmat_guest_exception
	mov %rbx, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
	add $16, %rsp
	iretq

	.section .rodata
	.global kmat_exc_table
	.align 8
kmat_exc_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad kmat_exc_\v
	.endr

	.text
/* A guest function that returns lands here: report DONE. */
	.global kmat_guest_returned
kmat_guest_returned:
	and $-16, %rsp
	call kmat_guest_done_forever

/* int kmat_probe_read(const volatile void *addr, uint64_t *val) */
	.global kmat_probe_read, kmat_probe_read_insn, kmat_probe_read_out
kmat_probe_read:
	xor %eax, %eax
kmat_probe_read_insn:
	mov (%rdi), %rdx
	mov %rdx, (%rsi)
kmat_probe_read_out:
	ret

/* int kmat_probe_write(volatile void *addr, uint64_t val) */
	.global kmat_probe_write, kmat_probe_write_insn, kmat_probe_write_out
kmat_probe_write:
	xor %eax, %eax
kmat_probe_write_insn:
	mov %rsi, (%rdi)
kmat_probe_write_out:
	ret

/* int kmat_probe_exec(const void *addr): calls addr, which must hold RET. */
	.global kmat_probe_exec, kmat_probe_exec_ret
kmat_probe_exec:
	xor %eax, %eax
	call *%rdi
kmat_probe_exec_ret:
	ret

	.section .note.GNU-stack,"",@progbits
