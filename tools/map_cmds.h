/* map_cmds.h — the parts of "userbpf map" shared by cmd_map.c (objects) and
 * cmd_map_elem.c (elements). */
#ifndef USERBPF_TOOLS_MAP_CMDS_H
#define USERBPF_TOOLS_MAP_CMDS_H

#include "cli.h"

bool map_is_per_cpu(uint32_t type);
bool map_is_map_of_maps(uint32_t type);
bool map_is_map_of_progs(uint32_t type);
/* Bytes a value occupies on the syscall side (per-CPU: every CPU, 8-byte strided). */
size_t map_value_bytes(const struct bpf_map_info *info);
/* "ID: TYPE  name NAME  flags 0x0" and its JSON fields. */
void show_map_header_plain(const struct bpf_map_info *info);
void show_map_header_json(const struct bpf_map_info *info, json_writer_t *wtr);

int do_map_dump(int argc, char **argv);
int do_map_lookup(int argc, char **argv);
int do_map_update(int argc, char **argv);
int do_map_delete(int argc, char **argv);
int do_map_getnext(int argc, char **argv);
int do_map_pop(int argc, char **argv);
int do_map_help(int argc, char **argv);

#endif
