/* sb_check — "sandboxrun check": which isolation features this kernel gives,
 * and what a run will use; --dump-policy prints the compiled seccomp filter. */
#ifndef SB_CHECK_H
#define SB_CHECK_H

/* argv[0] is "check". Returns 0 when every required feature is there, 1 if
 * something a run needs is missing, 2 on usage or policy errors. */
int sb_check_main(int argc, char **argv);

#endif
