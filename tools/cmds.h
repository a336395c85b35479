/* The userbpf CLI's commands: each is main-shaped and returns the process exit code. */
#ifndef USERBPF_TOOLS_CMDS_H
#define USERBPF_TOOLS_CMDS_H

int cmd_asm(int argc, char **argv);    /* userbpf asm FILE [-o OUT] */
int cmd_disasm(int argc, char **argv); /* userbpf disasm FILE */
int cmd_plugin(int argc, char **argv); /* userbpf plugin [MEM_HEX] [--jit] */

#endif
