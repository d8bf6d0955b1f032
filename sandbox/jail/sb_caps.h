/* sb_caps — drop every capability (effective, permitted, inheritable,
 * bounding, ambient), lock the securebits, set PR_SET_NO_NEW_PRIVS. */
#ifndef SB_CAPS_H
#define SB_CAPS_H

/* 0, or -1 after logging. Afterwards the process can never regain privilege. */
int sb_caps_drop(void);

#endif
