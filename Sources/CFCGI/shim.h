#ifndef AGENT_FCGI_CFCGI_SHIM_H
#define AGENT_FCGI_CFCGI_SHIM_H
// Only fcgiapp.h: fcgi_stdio.h redefines printf, FILE and stdin.
#include <fcgiapp.h>
#endif
