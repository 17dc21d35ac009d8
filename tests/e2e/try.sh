# SPDX-License-Identifier: GPL-2.0
#
# The guest side of `make try` (scripts/try, uml-boot --interactive): mount
# configfs and debugfs, load stories260K (the mock model without
# ../shared) with the llamux command, print what to type, then an
# interactive shell on the console.  Leaving the shell ends this script,
# and /init powers the guest off.

. /mnt/tests/lib.sh
RES=/tmp/try-results
# A terminal needs "\r\n" (/init turned onlcr off for the test logs).
stty onlcr 2> /dev/null
mount_fs
if [ -f /mnt/models/stories260K.gguf ]; then
	name=story
	fw=stories260K.gguf
	what="stories260K, a 260K-parameter llama that tells tiny stories"
else
	name=mock
	fw=
	what="the built-in mock model (no ../shared here)"
fi
llamux load $name $fw --ctx 2048 --temp 0.8 --max-tokens 128 ||
	echo "try: llamux load failed (see above)"
cat <<BANNER

========================================================================
 Llamux: you are root in a UML Linux kernel with the Llamux driver built
 in.  Model '$name' is loaded: $what.
 Type:
   llamux ls                                  the models
   llamux run $name "Once upon a time"        a story, streamed from the kernel
   llamux run $name "Once upon a time" --verbose --temp 0
   llamux chat $name                          a chat (Ctrl-D ends it)
   llamux shell $name                         ask for a shell command in words
   llamux stats $name                         where the time goes, per layer
   llamux --help                              everything else
 Ctrl-C stops a generation.  The driver's files are in
 /sys/kernel/config/llamux/models/$name and /dev/llamux/$name.
 Type exit (or Ctrl-D) to power the guest off.
========================================================================
BANNER
cd /root
export HOME=/root PS1='llamux-guest# '
# A controlling terminal, so that Ctrl-C reaches the foreground command.
setsid cttyhack sh -i
echo "try: powering off"
