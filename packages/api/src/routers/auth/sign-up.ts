import { signUp } from "../../auth/sign-up";
import { publicProcedure } from "../../trpc";
import { signUpInput, signUpMeta, signUpOutput } from "./sign-up.types";

export const signUpRoute = publicProcedure
  .meta(signUpMeta)
  .input(signUpInput)
  .output(signUpOutput)
  .mutation(({ ctx, input }) => signUp(ctx.prisma, input));
