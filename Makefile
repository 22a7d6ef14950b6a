# kmat: conformance and stress tests for KVM memory attributes.
#   make            build everything (static binaries under build/)
#   make run        run the suite on this host; where the host's KVM has no memory attributes,
#                   say so and run it in the QEMU lane on the reference kernel
#   make check      project unit tests, the host run, and the QEMU lane
#   make sanitize   ASan/UBSan build of the host code: unit tests, a host run, and the
#                   transitions and hugepage suites in the QEMU lane (with a cached kernel)
#   make bench      benchmarks that print ratios measured side by side
#   make install INSTALL_PATH=DIR / make gen_tar    kselftest layout

CC      ?= gcc
O       ?= build
CFLAGS  ?= -O2 -g
KMAT_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
	-fno-stack-protector -fno-pie -fno-builtin-memset -fno-builtin-memcpy -fno-builtin-memcmp \
	-fno-tree-loop-distribute-patterns -fno-omit-frame-pointer -mno-red-zone \
	-I. -Ilib -Iguest-code -MMD -MP
LDFLAGS ?=
LINK    := -no-pie
LDLIBS  := -lnuma -lpthread
# Static by default: the same binaries run on the host and inside the QEMU lane's initramfs.
STATIC  ?= 1
ifeq ($(STATIC),1)
LINK    += -static
endif
ifeq ($(SANITIZE),1)
# nonnull-attribute is left out: GCC 12 ICEs on it (profile_estimate) in lib/x86/elf_test.c.
KMAT_CFLAGS += -fsanitize=address,undefined -fno-sanitize=nonnull-attribute -fno-sanitize-recover=undefined -DKMAT_SANITIZE=1
LINK    += -fsanitize=address,undefined
endif

SUITES      := $(notdir $(patsubst %/,%,$(dir $(wildcard suites/*/*.c))))
SUITES      := $(sort $(SUITES))
LIB_SRCS    := $(filter-out %_test.c,$(wildcard lib/*.c lib/x86/*.c results/*.c))
GUEST_SRCS  := $(filter-out %_test.c,$(wildcard guest-code/*.c guest-code/*.S))
RUNNER_SRCS := $(filter-out %_test.c,$(wildcard runners/*.c))
UNIT_SRCS   := $(wildcard lib/*_test.c lib/x86/*_test.c results/*_test.c runners/*_test.c guest-code/*_test.c)

obj = $(patsubst %.S,$(O)/obj/%.o,$(patsubst %.c,$(O)/obj/%.o,$(1)))
LIB_OBJS    := $(call obj,$(LIB_SRCS) $(GUEST_SRCS))
SUITE_BINS  := $(foreach s,$(SUITES),$(O)/suites/$(s))
UNIT_BINS   := $(patsubst %.c,$(O)/tests/%,$(notdir $(UNIT_SRCS)))
SCRIPTS     := kmat-kernel kmat-qemu kmat-bisect deps
KMAT        := $(O)/kmat

all: $(KMAT) $(SUITE_BINS) $(UNIT_BINS) $(addprefix $(O)/,$(SCRIPTS))

Q := $(if $(V),,@)

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KMAT_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(KMAT_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/libkmat.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Each suite is one binary built from every .c file in its directory.
.SECONDEXPANSION:
$(O)/suites/%: $$(call obj,$$(wildcard suites/%/*.c)) $(O)/libkmat.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LINK) $(LDFLAGS) -o $@ $(filter %.o,$^) -Wl,--whole-archive $(O)/libkmat.a -Wl,--no-whole-archive $(LDLIBS) 2>$@.log; \
		rc=$$?; grep -v -e getaddrinfo -e affinity_ip $@.log >&2; rm -f $@.log; exit $$rc
	@cp suites/settings $(O)/suites/settings 2>/dev/null || true

$(KMAT): $(call obj,$(RUNNER_SRCS)) $(O)/libkmat.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LINK) $(LDFLAGS) -o $@ $(filter %.o,$^) $(O)/libkmat.a $(LDLIBS) 2>$@.log; \
		rc=$$?; grep -v -e getaddrinfo -e affinity_ip $@.log >&2; rm -f $@.log; exit $$rc

# One binary per unit-test source, linked with the whole library.
define unit_rule
$(O)/tests/$(notdir $(1:.c=)): $(call obj,$(1)) $(O)/libkmat.a
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(CC) $$(LINK) $$(LDFLAGS) -o $$@ $$(filter %.o,$$^) -Wl,--whole-archive $(O)/libkmat.a -Wl,--no-whole-archive $$(LDLIBS) 2>$$@.log; \
		rc=$$$$?; grep -v -e getaddrinfo -e affinity_ip $$@.log >&2; rm -f $$@.log; exit $$$$rc
endef
$(foreach u,$(UNIT_SRCS),$(eval $(call unit_rule,$(u))))

$(O)/%: runners/%
	@mkdir -p $(dir $@)
	ln -sf ../runners/$* $@

deps:
	@runners/deps build

# Unit tests of the project itself: each prints KTAP and must exit 0.
unit: all
	@runners/run-unit $(UNIT_BINS)
	@runners/run_kselftest_test.sh >/dev/null && echo "run_kselftest.sh tests: all passed"
	@runners/kmat-qemu_test.sh >/dev/null && echo "kmat-qemu fast tests: all passed"

run: deps all
	@runners/make-run

check: deps all
	@runners/check

sanitize: deps
	$(MAKE) O=build-san SANITIZE=1 STATIC=0 all
	runners/run-unit $(patsubst $(O)/%,build-san/%,$(UNIT_BINS))
	build-san/kmat run
	@# The attribute suites' host code only runs where KVM has the feature: the QEMU lane.
	@if runners/kmat-kernel path >/dev/null 2>&1; then \
		build-san/kmat qemu -s transitions -s hugepage --output build-san/lane; \
	else \
		echo "make sanitize: no cached reference kernel, so the lane half did not run (make run builds it)"; \
	fi

bench: deps all
	@runners/bench

# The kselftest layout: INSTALL_PATH/{run_kselftest.sh,kselftest-list.txt,kmat/{binaries,
# settings,config}}; gen_tar packs it as kselftest.tar.xz for tuxrun and LAVA.
INSTALL_PATH ?= $(O)/kselftest
install: all
	@mkdir -p $(INSTALL_PATH)/kmat
	cp $(SUITE_BINS) suites/settings suites/config $(INSTALL_PATH)/kmat/
	cp runners/run_kselftest.sh $(INSTALL_PATH)/
	printf 'kmat:%s\n' $(SUITES) > $(INSTALL_PATH)/kselftest-list.txt
	@echo "installed to $(INSTALL_PATH)"

gen_tar: install
	tar -C $(INSTALL_PATH) -cJf $(O)/kselftest.tar.xz .
	@echo "wrote $(O)/kselftest.tar.xz"

clean:
	rm -rf build build-san

.PHONY: all deps unit run check sanitize bench install gen_tar clean
-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
