import { router } from "../../trpc";
import { signUpRoute } from "./sign-up";

export const authRouter = router({ signUp: signUpRoute });
