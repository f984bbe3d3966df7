/*
 * The libmodbus side of bench-modbus.sh: polls the same reads as our client, back to back on one
 * connection, for a number of seconds, and prints the poll rate. Prototypes are declared here because
 * only the runtime library (libmodbus.so.5, which mbpoll depends on) is installed, not its headers; they
 * match libmodbus 3.1's modbus.h.
 *
 * usage: libmodbus-loop HOST PORT UNIT SECONDS READ...   READ is c|d|h|i:START:COUNT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <errno.h>

typedef struct _modbus modbus_t;
extern modbus_t *modbus_new_tcp(const char *ip, int port);
extern int modbus_connect(modbus_t *ctx);
extern int modbus_set_slave(modbus_t *ctx, int slave);
extern int modbus_read_registers(modbus_t *ctx, int addr, int nb, uint16_t *dest);
extern int modbus_read_input_registers(modbus_t *ctx, int addr, int nb, uint16_t *dest);
extern int modbus_read_bits(modbus_t *ctx, int addr, int nb, uint8_t *dest);
extern int modbus_read_input_bits(modbus_t *ctx, int addr, int nb, uint8_t *dest);
extern void modbus_close(modbus_t *ctx);
extern void modbus_free(modbus_t *ctx);
extern const char *modbus_strerror(int errnum);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s HOST PORT UNIT SECONDS READ...\n", argv[0]);
        return 2;
    }
    int n = argc - 5;
    char *kind = calloc(n, 1);
    int *start = calloc(n, sizeof(int));
    int *count = calloc(n, sizeof(int));
    for (int i = 0; i < n; i++) {
        if (sscanf(argv[5 + i], "%c:%d:%d", &kind[i], &start[i], &count[i]) != 3) {
            fprintf(stderr, "bad read %s\n", argv[5 + i]);
            return 2;
        }
    }
    modbus_t *ctx = modbus_new_tcp(argv[1], atoi(argv[2]));
    modbus_set_slave(ctx, atoi(argv[3]));
    if (modbus_connect(ctx) != 0) {
        fprintf(stderr, "connect: %s\n", modbus_strerror(errno));
        return 1;
    }
    double seconds = atof(argv[4]);
    uint16_t regs[125];
    uint8_t bits[2000];
    long polls = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < n; i++) {
            int rc;
            switch (kind[i]) {
                case 'h': rc = modbus_read_registers(ctx, start[i], count[i], regs); break;
                case 'i': rc = modbus_read_input_registers(ctx, start[i], count[i], regs); break;
                case 'c': rc = modbus_read_bits(ctx, start[i], count[i], bits); break;
                default: rc = modbus_read_input_bits(ctx, start[i], count[i], bits); break;
            }
            if (rc != count[i]) {
                fprintf(stderr, "read %s: %s\n", argv[5 + i], modbus_strerror(errno));
                return 1;
            }
        }
        polls++;
        t = now();
    } while (t - t0 < seconds);
    printf("polls %ld seconds %.3f rate %.1f\n", polls, t - t0, polls / (t - t0));
    modbus_close(ctx);
    modbus_free(ctx);
    return 0;
}
